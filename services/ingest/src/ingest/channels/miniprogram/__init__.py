"""Own WeChat mini-program: customer sessions (code2session), unpaid orders placed through
OrderHub's API, and the WeChat Pay APIv3 payment notification that makes them paid."""
