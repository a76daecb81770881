"""订单状态准确率 (the status-accuracy KPI the platforms audit): a sample of the orders shipped or
delivered on an Asia/Shanghai day, the status the customer sees (ingest's public order view)
compared with the carrier's actual track, queried fresh."""
