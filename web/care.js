// 关怀模式 (elderly-friendly mode): larger text, larger targets, stronger contrast, and an even larger step.
// Loaded in <head> so a remembered choice applies before the page is drawn; the choice lives in localStorage.
// Inside the widget's iframe, where a browser may refuse storage to a third-party frame, the widget remembers it
// on the host page instead: it passes the choice in as #care=LEVEL and is told of changes by postMessage.
(function (global) {
  "use strict";
  var KEY = "onevisit-care";
  var LEVELS = ["off", "on", "large"];
  var embedded = global.parent !== global;
  var root = document.documentElement;
  var level = read();

  function read() {
    var value = null;
    try { value = global.localStorage.getItem(KEY); } catch (e) { /* storage blocked */ }
    if (value === null && embedded) {
      var given = /(?:^#|&)care=(\w+)/.exec(global.location.hash);
      value = given && given[1];
    }
    return LEVELS.indexOf(value) >= 0 ? value : "off";
  }

  function save(value) {
    try { global.localStorage.setItem(KEY, value); } catch (e) { /* storage blocked: the widget keeps it */ }
    if (embedded) { global.parent.postMessage({ type: "onevisit.care", level: value }, "*"); }
  }

  function apply() {
    root.classList.toggle("care", level !== "off");
    root.classList.toggle("care-large", level === "large");
  }

  // toggle: the 关怀模式 button; larger: the 特大字 button, shown only in 关怀模式.
  function bind(toggle, larger) {
    function show() {
      toggle.setAttribute("aria-pressed", String(level !== "off"));
      larger.hidden = level === "off";
      larger.setAttribute("aria-pressed", String(level === "large"));
    }
    toggle.addEventListener("click", function () {
      level = level === "off" ? "on" : "off";
      save(level);
      apply();
      show();
    });
    larger.addEventListener("click", function () {
      level = level === "large" ? "on" : "large";
      save(level);
      apply();
      show();
    });
    show();
  }

  apply();
  global.OneVisit = global.OneVisit || {};
  global.OneVisit.care = { bind: bind, level: function () { return level; } };
})(window);
