"""Runs INSIDE soffice: the entry script soffice.py installs as the profile's user/Scripts/python/SCRIPT_NAME,
called through the script provider. One entry point, `lam_call(request_json) -> response_json`, so each
environment call is one bridge round trip; the tree walk and the canvas cost ~10x less here than over the
bridge.

The work is done by helper modules soffice.py installs flat into user/Scripts/python/pythonpath/ (the script
provider puts that folder on sys.path before it runs this script): the generic lam_* modules of
lamfactory/apps/libreoffice/bridge (lam_ctx: services and state; lam_a11y: tree walk and controls;
lam_mainthread: main-thread calls; lam_uistate: load/reset; lam_ops: ops and observe) and the application's
document module (e.g. lamfactory/apps/writer/bridge/lam_writer_doc), named by each request's "app".

Nothing here may import lamfactory: soffice's own Python runs it. Module globals persist between calls (the
script provider caches this module, sys.modules the helpers), which is how labels from the last observation
stay groundable.
"""

import json
import time
import traceback

import lam_ctx

lam_ctx.init(XSCRIPTCONTEXT)  # noqa: F821  (injected by the script provider), before the other lam_* imports

from lam_mainthread import _idle  # noqa: E402
from lam_ops import observe, run_op  # noqa: E402


def lam_call(request_json):
    """One request: {"app": module name, "ops": [...], "observe": bool, "canvas": bool}; each op is followed
    by an idle-wait."""
    req = json.loads(request_json)
    t0 = time.perf_counter()
    resp = {"ok": True, "results": []}
    try:
        app = lam_ctx.use_app(req["app"])
        for op in req.get("ops", []):
            resp["results"].append(run_op(op))
            _idle()
        if req.get("observe"):
            resp["observation"] = observe(req.get("canvas", True))
        elif req.get("canvas"):
            resp["canvas"] = app.canvas()
    except Exception as e:
        _idle()
        resp = {"ok": False, "error": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()}
    resp["ms"] = (time.perf_counter() - t0) * 1000
    return json.dumps(resp)


g_exportedScripts = (lam_call,)

