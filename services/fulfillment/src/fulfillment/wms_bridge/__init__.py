"""The WMS bridge (the 08:55/09:00 job): the WMS export gets each order's remarks as a last
column (带备注发货单.xlsx), then is printed as PDF."""
