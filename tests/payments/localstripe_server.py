"""Run localstripe on 127.0.0.1 only, keeping its state in memory (started by conftest).

`localstripe` itself listens on every interface and pickles its state to /tmp after each
write; the tests need neither.
"""

import sys

from aiohttp import web
from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None

if __name__ == "__main__":
    web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
