"""Runs INSIDE soffice (a lam_* bridge module, see lam_ctx). The generic ops (click, set_text, select_item,
dispatch, save, escape, load), the font boxes' handlers the apps' OPS share (font_name, font_size), `run_op`
(which hands the application's document ops to `lam_ctx.APP.OPS`) and `observe` (the application's canvas
plus the controls)."""

import re
import time

import uno

import lam_ctx as C
from lam_a11y import ROLES, Walker, _dialogs, _frame, _doc, _list_items, observe_controls
from lam_mainthread import _idle, _main_call, _on_main_thread
from lam_uistate import _focus_document, close_dialogs, close_menus, load

DIALOG_WAIT_S = 1.0  # how long a click on "Something..." waits for its dialog to appear


def dispatch(cmd, args=None):
    frame = _frame()
    _on_main_thread(lambda: C.DISPATCHER.executeDispatch(frame, cmd, "", 0, C.props(args)))


# The Font Name and Font Size boxes' ops, the same in every app (each lists them in its OPS).
def font_name(op):
    if not op["value"].strip():
        raise ValueError("font name must not be empty")
    dispatch(".uno:CharFontName", {"CharFontName.FamilyName": op["value"].strip()})


def font_size(op):
    dispatch(".uno:FontHeight", {"FontHeight.Height": _points(op["value"])})


def _points(value):
    text = str(value).strip().lower().replace("pt", "").strip()
    try:
        size = float(text)
    except ValueError:
        raise ValueError("font size must be a number of points, got %r" % value)
    if not 1 <= size <= 999:
        raise ValueError("font size %s pt is out of range (1..999)" % text)
    return size


def _node(label):
    ctx = C.LAST["nodes"].get(label)
    if ctx is None:
        raise LookupError("control label %s is not in the last observation" % label)
    return ctx


def _action_count(ctx):
    try:
        return ctx.getAccessibleActionCount()
    except Exception:  # the context does not implement XAccessibleAction
        return 0


def click(label, double=False):
    ctx = _node(label)
    role = ROLES.get(ctx.getAccessibleRole())
    if role == "PAGE_TAB" or _action_count(ctx) < 1:
        select_in_parent(ctx)
        return
    opens_dialog = ctx.getAccessibleName().endswith("...")
    before = len(_dialogs())
    _on_main_thread(lambda: _press(ctx, double))
    if before:
        _idle()
        if not _dialogs():
            _focus_document()
    if opens_dialog:  # most dialogs open from a posted event: wait (bounded) until it is up
        deadline = time.monotonic() + DIALOG_WAIT_S
        while len(_dialogs()) <= before and time.monotonic() < deadline:
            _idle()
            time.sleep(0.005)


def _press(ctx, double):
    ctx.doAccessibleAction(0)
    if double:
        _idle()
        ctx.doAccessibleAction(0)


def select_in_parent(ctx):
    """Tabs and list items have no (reliable) action: a click selects them in their parent. For a tab,
    the tab list's XAccessibleSelection switches the page in every tabbed dialog."""
    parent = ctx.getAccessibleParent().getAccessibleContext()
    index = ctx.getAccessibleIndexInParent()
    if not hasattr(parent, "selectAccessibleChild"):  # e.g. a spin field in a dialog: nothing to press
        role = ROLES.get(ctx.getAccessibleRole())
        hint = "; type into it with set_edit_text" if role in ("TEXT", "SPIN_BOX", "COMBO_BOX") else ""
        raise ValueError("%r (%s) cannot be clicked%s" % (ctx.getAccessibleName(), role, hint))
    parent.selectAccessibleChild(index)
    _idle()
    if ROLES.get(ctx.getAccessibleRole()) == "PAGE_TAB" and not parent.isAccessibleChildSelected(index):
        raise ValueError("the tab %r could not be selected" % ctx.getAccessibleName())


def set_text(label, text):
    ctx = _node(label)
    role = ROLES.get(ctx.getAccessibleRole())
    if role == "SPIN_BOX" and hasattr(ctx, "setCurrentValue"):
        number = _in_field_unit(text, ctx.getText() if hasattr(ctx, "getText") else "")
        if number is not None:
            value = uno.Any("long", int(number)) if number.is_integer() else uno.Any("double", number)
            if uno.invoke(ctx, "setCurrentValue", (value,)):
                return
    target = ctx
    if not hasattr(target, "setText"):
        target = None
        for i in range(min(ctx.getAccessibleChildCount(), 4)):
            child = ctx.getAccessibleChild(i)
            c = child.getAccessibleContext() if child is not None else None
            if c is not None and hasattr(c, "setText"):
                target = c
                break
    if target is None:
        raise ValueError("control %r has no editable text" % ctx.getAccessibleName())
    if not target.setText(text):
        raise ValueError("control %r refused the text" % ctx.getAccessibleName())


UNIT_CM = {"cm": 1.0, "mm": 0.1, "in": 2.54, "inch": 2.54, '"': 2.54, "pt": 2.54 / 72, "pc": 2.54 / 6}
_QUANTITY = re.compile(r'^\s*([-+]?\d*[.,]?\d+)\s*(cm|mm|inch|in|"|pt|pc|%)?\s*$')


def _in_field_unit(text, current):
    """'12 pt' typed into a field showing '0.00 cm' -> 0.42 (the number the field takes); None if unparsable."""
    m = _QUANTITY.match(text)
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    unit = m.group(2)
    field = _QUANTITY.match(current or "")
    field_unit = field.group(2) if field else None
    if unit in UNIT_CM and field_unit in UNIT_CM and unit != field_unit:
        number = round(number * UNIT_CM[unit] / UNIT_CM[field_unit], 2)
    return number


def select_item(label, item):
    ctx = _node(label)
    role = ROLES.get(ctx.getAccessibleRole())
    lst = ctx
    if role == "COMBO_BOX":
        lst = None
        for i in range(min(ctx.getAccessibleChildCount(), 4)):
            child = ctx.getAccessibleChild(i)
            c = child.getAccessibleContext() if child is not None else None
            if c is not None and ROLES.get(c.getAccessibleRole()) == "LIST":
                lst = c
                break
    if lst is None:
        raise ValueError("control %r has no items" % ctx.getAccessibleName())
    names = _list_items(lst)
    if item not in names:
        lowered = [n.lower() for n in names]
        if item.lower() not in lowered:
            raise ValueError("no item %r in %r" % (item, ctx.getAccessibleName()))
        item = names[lowered.index(item.lower())]
    lst.selectAccessibleChild(names.index(item))
    return item


def save(path_url=None, filter_name=None, store_as=False):
    """store() to the document's own file; with a URL: storeToURL (a copy) or storeAsURL (the document
    moves there, used for a new document's first save)."""
    doc = _doc()
    if not path_url:
        doc.store()
        return
    args = {"Overwrite": True}
    if filter_name:
        args["FilterName"] = filter_name
    (doc.storeAsURL if store_as else doc.storeToURL)(path_url, C.props(args))


def _press_default_button(dialog):
    w = Walker(in_dialog=True)
    w.walk(dialog, [])
    for c in w.controls:
        if c["type"] == "PUSH_BUTTON" and "DEFAULT" in c["states"]:
            node = w.nodes[c["label"]]
            _on_main_thread(lambda: node.doAccessibleAction(0))
            return
    raise ValueError("the dialog %r has no default button" % dialog.getAccessibleName())


def run_op(op):
    kind = op["op"]
    if kind in C.APP.DOCUMENT_OPS:
        dialogs = _dialogs()
        if dialogs:
            if kind == "dispatch" and op["cmd"] == ".uno:InsertPara":  # Enter presses the default button
                _press_default_button(dialogs[-1])
                _idle()
                if not _dialogs():
                    _focus_document()
                return None
            raise ValueError("the dialog %r is open: use its controls, or {ESC} to cancel it"
                             % dialogs[-1].getAccessibleName())
    return _run(op, kind)


def _run(op, kind):
    if kind == "click":
        click(op["label"], op.get("double", False))
    elif kind == "set_text":
        set_text(op["label"], op["text"])
    elif kind == "select_item":
        return select_item(op["label"], op["item"])
    elif kind == "dispatch":
        dispatch(op["cmd"], op.get("args"))
    elif kind == "save":
        save(op.get("url"), op.get("filter"), op.get("store_as", False))
    elif kind == "escape":
        close_dialogs(1) if _dialogs() else close_menus()
    elif kind == "load":
        return load(op["url"], op.get("size"))
    elif kind in C.APP.OPS:  # the application's document ops (typing, selecting, styles, ...)
        return C.APP.OPS[kind](op)
    else:
        raise ValueError("unknown op %r" % kind)
    return None


def observe(with_canvas=True):
    """Canvas and controls, each read on the main thread; the canvas first, while a new window's toolbars
    may still be waiting to show their states."""
    out = {"canvas": _main_call(C.APP.canvas)} if with_canvas else {}
    _await_toolbar_states()
    out.update(_main_call(_controls))
    return out


def _controls():
    w, dialog = observe_controls()
    C.LAST["nodes"] = w.nodes
    return {"controls": w.controls, "dialog": dialog, "window": C.call(_frame(), "getTitle")}


def _await_toolbar_states():
    """Sleep (not on the main thread, which runs the toolbars' timers) until a new window's toolbars show
    their buttons' real states, then let the main thread apply them."""
    remaining = C.STATE["toolbars_ready"] - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
        _idle()
