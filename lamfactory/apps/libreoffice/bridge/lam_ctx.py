"""Runs INSIDE soffice (installed flat into the profile's user/Scripts/python/pythonpath/, like every lam_*
module). The shared state of the in-process bridge: the UNO services, the script context the entry script
hands over (`init`, before any other lam_* module is imported), the episode's state and the application's
document module (`APP`, imported by the name each request carries).

Module globals persist between calls (sys.modules keeps these modules for the soffice process's life).
"""

import importlib

import uno

XSC = None  # the entry script's XSCRIPTCONTEXT (the script provider injects it into that module only)
CTX = SMGR = TOOLKIT = DISPATCHER = ASYNC_CALLBACK = CLIPBOARD = URL_TRANSFORMER = TDM = None
APP = None  # the application's document module: canvas(), OPS, DOCUMENT_OPS, MODULE, WINDOW_STATES, ...

LAST = {"nodes": {}}  # label -> XAccessibleContext of the last observation
# the episode's frame; the UI state after the first load (and whether the toolbars' part may have changed
# since); when the new window's toolbars show their real states
STATE = {"frame": None, "baseline": None, "windows_changed": None, "toolbars_ready": 0.0}


def init(xscriptcontext):
    global XSC, CTX, SMGR, TOOLKIT, DISPATCHER, ASYNC_CALLBACK, CLIPBOARD, URL_TRANSFORMER, TDM
    if XSC is not None:
        XSC = xscriptcontext  # the entry script was reloaded: same soffice, same services
        return
    XSC = xscriptcontext
    CTX = xscriptcontext.getComponentContext()
    SMGR = CTX.getServiceManager()
    TOOLKIT = SMGR.createInstanceWithContext("com.sun.star.awt.Toolkit", CTX)
    DISPATCHER = SMGR.createInstanceWithContext("com.sun.star.frame.DispatchHelper", CTX)
    ASYNC_CALLBACK = SMGR.createInstanceWithContext("com.sun.star.awt.AsyncCallback", CTX)
    CLIPBOARD = SMGR.createInstanceWithContext("com.sun.star.datatransfer.clipboard.SystemClipboard", CTX)
    URL_TRANSFORMER = SMGR.createInstanceWithContext("com.sun.star.util.URLTransformer", CTX)
    TDM = CTX.getValueByName("/singletons/com.sun.star.reflection.theTypeDescriptionManager")


def call(obj, method, *args):
    """obj.method(*args) without an attribute lookup on the UNO proxy: LibreOffice 7.4's pyuno leaks the object
    such a lookup makes (measured: one Python block, ~75 bytes, per `obj.name`, method or property, found or not;
    uno.invoke: none). An observation looks up thousands (the tree walk, the canvas): soffice grew ~80 KB per
    tree walk, most of its ~1 MB per agent episode. The hot paths call through here."""
    return uno.invoke(obj, method, args)


def prop(obj, name):
    """obj.name (a property) without the leaking lookup (see call)."""
    return uno.invoke(obj, "getPropertyValue", (name,))


def use_app(name):
    """Import the application's document module (by its flat module name) once."""
    global APP
    if APP is None or APP.__name__ != name:
        APP = importlib.import_module(name)
    return APP


def desktop():
    return XSC.getDesktop()


def props(d):
    out = []
    for k, v in (d or {}).items():
        p = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        p.Name = k
        p.Value = v
        out.append(p)
    return tuple(out)


def iter_elements(container):
    e = call(container, "createEnumeration")
    while call(e, "hasMoreElements"):
        yield call(e, "nextElement")
