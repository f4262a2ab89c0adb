"""Writes of 公文. Each part has its module: `outgoing` (发文 drafting to issue, withdraw,
correction, 机关代字), `receiving` (签收 … 回复, paper documents), `chasing` (催办 by hand and
by the sweeps, the daily summary), `dispatch` (addresses → receipts, used by `outgoing`)."""
