// Shared by the staff pages (console.html, maintain.html) on the console service: the API at /api on the same
// origin, the bearer token kept in sessionStorage, the login form, and errors as plain Chinese text.
(function (global) {
  "use strict";
  var TOKEN_KEY = "onevisit-console-token";
  var TIMEOUT_MS = 20000;
  var SAY = {
    network: "连接不上坐席台服务，请检查网络后再试。",
    timeout: "坐席台服务很久没有答复，请稍后再试。",
    expired: "登录已失效，请重新登录。",
    forbidden: "您的账号没有这项权限。",
    server: "坐席台服务出了问题（错误代码 {status}），请稍后再试。"
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }

  function setToken(value) {
    try {
      if (value) { sessionStorage.setItem(TOKEN_KEY, value); } else { sessionStorage.removeItem(TOKEN_KEY); }
    } catch (e) { /* storage off: the login lasts as long as the page */ }
  }

  // An API error: status (0 for network), the text to show, and the answer's body (e.g. a 422's problems).
  function ApiError(status, text, body) { this.status = status; this.text = text; this.body = body || null; }

  var onUnauthorized = function () {};

  // fetch /api/... with the token; resolves to the JSON body, rejects with ApiError (401 also calls the handler).
  function api(method, path, body) {
    var controller = new AbortController();
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; controller.abort(); }, TIMEOUT_MS);
    var headers = { "Accept": "application/json" };
    if (token()) { headers.Authorization = "Bearer " + token(); }
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(path, {
      method: method, headers: headers, signal: controller.signal,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) { return data || {}; }
        var text = data && typeof data.error === "string" ? data.error : "";
        if (response.status === 401) {
          setToken("");
          onUnauthorized(SAY.expired);
          throw new ApiError(401, SAY.expired);
        }
        if (response.status === 403) { throw new ApiError(403, text || SAY.forbidden); }
        throw new ApiError(response.status, text || SAY.server.replace("{status}", response.status), data);
      });
    }, function () {
      throw new ApiError(0, timedOut ? SAY.timeout : SAY.network);
    }).finally(function () { clearTimeout(timer); });
  }

  function errorText(error) {
    return error instanceof ApiError ? error.text : SAY.network;
  }

  // The login form and the logout button: options {form, name, password, loginPanel, app, who, logout, notice,
  // onLogin(user), onLogout()}.
  function session(options) {
    function show(text) {
      options.notice.textContent = text || "";
      options.notice.hidden = !text;
    }
    function loggedOut(text) {
      options.app.hidden = true;
      options.loginPanel.hidden = false;
      options.who.hidden = true;
      options.logout.hidden = true;
      show(text || "");
      if (options.onLogout) { options.onLogout(); }
    }
    function loggedIn(user) {
      options.loginPanel.hidden = true;
      options.app.hidden = false;
      options.who.textContent = "已登录：" + (user.display_name || user.name);
      options.who.hidden = false;
      options.logout.hidden = false;
      show("");
      options.onLogin(user);
    }
    onUnauthorized = loggedOut;
    options.form.addEventListener("submit", function (event) {
      event.preventDefault();
      show("");
      api("POST", "/api/login", { name: options.name.value.trim(), password: options.password.value })
        .then(function (data) {
          setToken(data.token);
          options.password.value = "";
          loggedIn(data.user);
        }, function (error) { show(error.status === 401 ? "登录名或密码不对，请再试一次。" : errorText(error)); });
    });
    options.logout.addEventListener("click", function () {
      api("POST", "/api/logout").catch(function () {}).finally(function () {
        setToken("");
        loggedOut("已退出登录。");
      });
    });
    if (token()) {
      api("GET", "/api/me").then(function (data) { loggedIn(data.user); }, function (error) {
        if (error.status !== 401) { loggedOut(errorText(error)); }
      });
    } else {
      loggedOut("");
    }
    return { show: show };
  }

  function hasRole(user, roles) {
    return (user.roles || []).some(function (r) { return roles.indexOf(r) >= 0; });
  }

  function copyText(value) {
    if (navigator.clipboard && navigator.clipboard.writeText) { return navigator.clipboard.writeText(value); }
    return Promise.reject(new Error("copy"));
  }

  global.OneVisit = global.OneVisit || {};
  global.OneVisit.staff = { api: api, el: el, errorText: errorText, session: session, hasRole: hasRole,
    copyText: copyText, ApiError: ApiError };
})(window);
