"""The benchmark behind `scripts/bench`: the edge measured beside references, in one run.

Each module does one job: start the processes (`processes`), make the data they need
(`fleet`, `backlog`), drive the load (`wrk`, `kiosk_client`, `socket_worker`), measure one
section each (`checkout`, `drain`, `sockets`, `dashboards`, `footprint`) and report
(`report`, `plot`). `run` ties them together.
"""
