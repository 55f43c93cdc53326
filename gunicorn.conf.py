"""gunicorn settings read automatically from the working directory (production)."""


def post_fork(server, worker):
    """Start the upload-inspection forkserver as each worker starts (first upload stays fast)."""
    from archive.inspection import warm_up
    warm_up()
