"""dangjian — 党建信息平台."""
