"""Tools that prove the promise: the edge as a process, a fleet simulator, a history checker
and the torture runs."""
