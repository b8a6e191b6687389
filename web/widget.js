// The embeddable widget. A site owner adds one tag to any page:
//   <script src="https://HOST/widget.js" data-server="https://HOST" defer></script>
// It adds a launcher button and a panel that shows the chat page of that server in an iframe. The server is fixed by
// the tag's data-server attribute (default: the origin the script came from); nothing in the page's address can
// change it. The iframe keeps the conversation (and any personal data typed into it) in the server's own origin,
// out of reach of the host page's scripts and styles, and the chat talks to its own server only (no CORS needed).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || document.querySelector("[data-onevisit-widget]")) { return; }

  // The server's base address (no trailing slash), or "" when data-server is not an http(s) address.
  function serverOf(tag) {
    var given = tag.getAttribute("data-server");
    var url;
    try {
      url = given ? new URL(given, tag.src) : new URL(tag.src);
    } catch (e) {
      return "";
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") { return ""; }
    return given ? url.origin + url.pathname.replace(/\/+$/, "") : url.origin;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  var READY_MS = 15000;  // how long the chat page may take to say it is there before the panel offers a way round
  var CARE_KEY = "onevisit-care";
  var CARE_LEVELS = ["off", "on", "large"];

  // The 关怀模式 choice made inside the panel, remembered on this site too (some browsers give a third-party
  // iframe no storage of its own).
  function careLevel() {
    try {
      var value = window.localStorage.getItem(CARE_KEY);
      return CARE_LEVELS.indexOf(value) >= 0 ? value : "";
    } catch (e) {
      return "";
    }
  }

  function rememberCare(level) {
    try { window.localStorage.setItem(CARE_KEY, level); } catch (e) { /* not remembered */ }
  }

  function build(server) {
    var host = el("div");
    host.setAttribute("data-onevisit-widget", "");
    var root = host.attachShadow({ mode: "open" });
    var style = el("link");
    style.rel = "stylesheet";
    style.href = server + "/widget.css";

    var launcher = el("button", "launcher", "办事咨询");
    launcher.type = "button";
    launcher.hidden = true;  // until the stylesheet is there
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "onevisit-panel");

    var panel = el("section", "panel");
    panel.id = "onevisit-panel";
    panel.hidden = true;
    panel.setAttribute("aria-label", "一次办 政务服务咨询");
    var bar = el("div", "bar");
    bar.appendChild(el("span", "title", "一次办 · 政务服务咨询"));
    var close = el("button", "close", "关闭");
    close.type = "button";
    bar.appendChild(close);
    panel.appendChild(bar);
    // Shown when the chat page does not arrive (offline, or the server does not allow this site to embed it).
    var notice = el("p", "notice");
    notice.setAttribute("role", "status");
    notice.hidden = true;
    notice.appendChild(document.createTextNode("咨询页面没有打开。您可以"));
    var direct = el("a", null, "在新窗口打开“一次办”");
    direct.href = server + "/index.html";
    direct.target = "_blank";
    direct.rel = "noopener";
    notice.appendChild(direct);
    notice.appendChild(document.createTextNode("，或拨打 12345 政务服务便民热线。"));
    panel.appendChild(notice);
    var frame = null;
    var ready = false;

    function open() {
      if (!frame) {
        frame = el("iframe");
        frame.title = "一次办 政务服务咨询对话";
        frame.src = server + "/index.html" + (careLevel() ? "#care=" + careLevel() : "");
        frame.setAttribute("allow", "clipboard-write; microphone");
        frame.setAttribute("referrerpolicy", "no-referrer");
        panel.appendChild(frame);
        setTimeout(function () { notice.hidden = ready; }, READY_MS);
      }
      panel.hidden = false;
      launcher.hidden = true;
      launcher.setAttribute("aria-expanded", "true");
      close.focus();
    }

    function shut() {
      panel.hidden = true;
      launcher.hidden = false;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }

    window.addEventListener("message", function (event) {
      var data = event.data;
      if (!frame || event.source !== frame.contentWindow || event.origin !== new URL(server).origin) { return; }
      if (data && data.type === "onevisit.ready") { ready = true; notice.hidden = true; }
      if (data && data.type === "onevisit.care" && CARE_LEVELS.indexOf(data.level) >= 0) { rememberCare(data.level); }
    });
    launcher.addEventListener("click", open);
    close.addEventListener("click", shut);
    panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { shut(); } });
    style.addEventListener("load", function () { if (panel.hidden) { launcher.hidden = false; } });
    root.appendChild(style);
    root.appendChild(launcher);
    root.appendChild(panel);
    document.body.appendChild(host);
  }

  var server = serverOf(script);
  if (!server) { return; }
  if (document.body) { build(server); } else { document.addEventListener("DOMContentLoaded", function () { build(server); }); }
})();
