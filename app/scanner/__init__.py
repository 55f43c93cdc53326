"""Scanner intake: the clerk's queue of scanned files and the folder watcher."""
