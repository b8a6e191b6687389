// Shared by the chat page (also the widget's panel) and the hotline console. Talks to the REST channel of the edge
// server that served this page: same origin, always; no URL parameter can point it anywhere else.
(function (global) {
  "use strict";
  var TIMEOUT_MS = 35000;         // a little longer than the edge's own 30-second wait for Rasa
  var RESTART_TIMEOUT_MS = 5000;  // ending an old conversation is best effort
  var WEBHOOK = "/webhooks/rest/webhook";
  var HOTLINE_HINT = "着急的话请拨打 12345 政务服务便民热线。";
  var SAY = {
    network: "网络连接不上，消息没有发出去。请检查网络后再试。",
    timeout: "等了很久也没有收到答复，消息可能没有送到。请稍后再试。",
    tooMany: "您发送得有点快了，请稍等 {seconds} 秒再发。",
    tooLarge: "这条消息太长，服务没有接收。请分几句发送，每句说一件事。",
    server: "服务暂时出了问题（错误代码 {status}），消息没有发送成功，请稍后再试。",
    refused: "服务没有接收这条消息（错误代码 {status}），请换个说法再试。",
    unreadable: "收到的答复无法显示，请稍后再试。",
    empty: "这条消息没有收到任何答复，可能没有被处理。请换个说法再发一次。",
    notSentTyped: "抱歉，消息没有发送成功。您输入的文字已放回输入框，可以稍后重新发送。",
    notSentButton: "抱歉，消息没有发送成功，请稍后再点一次。",
    noAnswerTyped: "抱歉，这条消息没有得到答复。您输入的文字已放回输入框，可以换个说法再发。",
    noAnswerButton: "抱歉，这次点选没有得到答复，请稍后再点一次。"
  };

  function newSenderId(prefix) {
    return prefix + "-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  // A failed exchange: kind is network, timeout, tooMany, tooLarge, server, refused, unreadable or empty.
  function Failure(kind, explanation, status, retryAfter) {
    this.kind = kind;
    this.explanation = explanation || "";
    this.status = status || 0;
    this.retryAfter = retryAfter || 0;
  }

  Failure.prototype.statusText = function () {
    var text = this.explanation;
    if (!text) {
      text = fill(SAY[this.kind] || SAY.network, { status: this.status, seconds: this.retryAfter || "几" });
    }
    if (this.kind === "tooMany" || this.kind === "tooLarge" || text.indexOf("12345") >= 0) { return text; }
    return text + HOTLINE_HINT;
  };

  function errorText(response) {
    return response.json().then(function (body) {
      return body && typeof body.error === "string" ? body.error : "";
    }, function () { return ""; });
  }

  // The reply's list of bot messages, or a rejected Failure saying what went wrong.
  function readReply(response) {
    if (response.ok) {
      return response.json().then(function (body) {
        if (!Array.isArray(body)) { throw new Failure("unreadable"); }
        return body;
      }, function () { throw new Failure("unreadable"); });
    }
    var status = response.status;
    var kind = status === 429 ? "tooMany" : status === 413 ? "tooLarge" : status >= 500 ? "server" : "refused";
    var retryAfter = parseInt(response.headers.get("Retry-After") || "", 10);
    return errorText(response).then(function (explanation) {
      throw new Failure(kind, explanation, status, retryAfter > 0 ? retryAfter : 0);
    });
  }

  function reveal(item, block) {
    if (item.scrollIntoView) { item.scrollIntoView({ block: block }); }
  }

  function validButton(b) {
    return b && typeof b.title === "string" && b.title && typeof b.payload === "string" && b.payload;
  }

  // options: messages (ol), status (element), sender, renderCustom(custom) -> {element, text, speech} or null,
  // extra(item, reply), onSent(), onDone(), onFailed(payload, kind, failure), onReset()
  function Conversation(options) {
    this.options = options;
    this.webhook = WEBHOOK;
    this.sender = options.sender || newSenderId("web");
    this.generation = 0;   // bumped by reset(): replies of an earlier conversation are dropped
    this.latest = 0;       // the number of the latest send
    this.pending = null;   // the AbortController of the request in flight
  }

  Conversation.prototype.item = function (role, content) {
    var item = document.createElement("li");
    item.className = role;
    if (typeof content === "string") {
      var bubble = document.createElement("div");
      bubble.className = "bubble";
      bubble.textContent = content;
      item.appendChild(bubble);
    } else {
      item.appendChild(content);
    }
    return item;
  };

  Conversation.prototype.buttonRow = function (buttons) {
    var self = this;
    var row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "reply-button";
      button.textContent = b.title;
      button.addEventListener("click", function () {
        if (button.disabled) { return; }
        button.classList.add("chosen");
        self.send(b.payload, b.title, "button");
      });
      row.appendChild(button);
    });
    return row;
  };

  Conversation.prototype.place = function (item, reply) {
    if (reply && this.options.extra) { this.options.extra(item, reply); }
    this.options.messages.appendChild(item);
    return item;
  };

  // A message with optional buttons. `reply` (with its text) is handed to options.extra.
  Conversation.prototype.add = function (role, text, buttons, reply) {
    var item = this.item(role, text);
    var valid = (buttons || []).filter(validButton);
    if (valid.length) { item.appendChild(this.buttonRow(valid)); }
    return this.place(item, reply);
  };

  // A bot answer drawn from a structured view ({element, text}) in place of the text bubble; buttons kept.
  Conversation.prototype.addView = function (view, buttons) {
    var item = this.item("bot structured", view.element);
    var valid = (buttons || []).filter(validButton);
    if (valid.length) { item.appendChild(this.buttonRow(valid)); }
    return this.place(item, { text: view.text, speech: view.speech || view.text, structured: true });
  };

  Conversation.prototype.renderCustom = function (custom) {
    if (!this.options.renderCustom || !custom || typeof custom !== "object") { return null; }
    try {
      return this.options.renderCustom(custom);
    } catch (e) {
      return null;  // an unexpected structure falls back to the text that came with it
    }
  };

  // Show Rasa's messages; a structured message replaces the text message just before it. Returns how many were shown.
  Conversation.prototype.showReplies = function (replies) {
    var self = this;
    var entries = [];
    replies.forEach(function (r) {
      if (!r || typeof r !== "object") { return; }
      var view = r.custom ? self.renderCustom(r.custom) : null;
      var last = entries[entries.length - 1];
      if (view) {
        if (last && !last.view && last.text) { last.view = view; } else { entries.push({ text: "", buttons: [], view: view }); }
        return;
      }
      var text = typeof r.text === "string" ? r.text : "";
      var buttons = Array.isArray(r.buttons) ? r.buttons.filter(validButton) : [];
      if (text || buttons.length) { entries.push({ text: text, buttons: buttons, view: null }); }
    });
    var first = null;
    entries.forEach(function (e) {
      var item = e.view ? self.addView(e.view, e.buttons) : self.add("bot", e.text, e.buttons, { text: e.text });
      first = first || item;
    });
    if (first) { reveal(first, "start"); }  // a long answer is read from its beginning
    return entries.length;
  };

  Conversation.prototype.showStatus = function (text) {
    this.options.status.textContent = text;
    this.options.status.hidden = !text;
  };

  // Disable every answer button still enabled: an earlier question's buttons must not answer the current one.
  Conversation.prototype.freezeButtons = function () {
    var open = this.options.messages.querySelectorAll("button.reply-button:not(:disabled)");
    Array.prototype.forEach.call(open, function (button) { button.disabled = true; });
    return Array.prototype.slice.call(open);
  };

  // kind: "typed" (the person's own words), "button" (an answer button) or "command" (a page control).
  Conversation.prototype.send = function (payload, shown, kind) {
    var self = this;
    var generation = this.generation;
    var number = ++this.latest;
    kind = kind || (payload.charAt(0) === "/" ? "command" : "typed");
    reveal(this.add("user", shown), "nearest");
    var frozen = this.freezeButtons();
    if (this.options.onSent) { this.options.onSent(); }
    var controller = new AbortController();
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; controller.abort(); }, TIMEOUT_MS);
    this.pending = controller;
    return fetch(this.webhook, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: this.sender, message: payload }),
      signal: controller.signal
    }).then(readReply, function () {
      throw new Failure(timedOut ? "timeout" : "network");
    }).then(function (replies) {
      if (generation !== self.generation) { return; }
      if (!self.showReplies(replies)) { throw new Failure("empty"); }
      self.showStatus("");
    }).catch(function (error) {
      if (generation !== self.generation) { return; }
      var failure = error instanceof Failure ? error : new Failure("unreadable");
      self.showStatus(failure.statusText());
      var typed = kind === "typed";
      var empty = failure.kind === "empty";
      reveal(self.add("bot failure", empty ? (typed ? SAY.noAnswerTyped : SAY.noAnswerButton)
        : (typed ? SAY.notSentTyped : SAY.notSentButton)), "nearest");
      if (number === self.latest) {
        frozen.forEach(function (button) { button.disabled = false; button.classList.remove("chosen"); });
      }
      if (self.options.onFailed) { self.options.onFailed(payload, kind, failure); }
    }).finally(function () {
      clearTimeout(timer);
      if (self.pending === controller) { self.pending = null; }
      if (self.options.onDone) { self.options.onDone(); }
    });
  };

  // Start over with a new sender id: the screen is cleared, a reply still on its way is dropped, and the old
  // conversation is told to forget (/restart), so the next person at a shared device sees nothing of it.
  Conversation.prototype.reset = function (sender) {
    var old = this.sender;
    this.generation += 1;
    if (this.pending) { this.pending.abort(); }
    this.sender = sender;
    var list = this.options.messages;
    while (list.firstChild) { list.removeChild(list.firstChild); }
    this.showStatus("");
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, RESTART_TIMEOUT_MS);
    fetch(this.webhook, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: old, message: "/restart" }),
      signal: controller.signal,
      keepalive: true
    }).catch(function () { /* best effort: the old conversation expires on its own */ })
      .finally(function () { clearTimeout(timer); });
    if (this.options.onReset) { this.options.onReset(); }
  };

  global.OneVisit = global.OneVisit || {};
  global.OneVisit.Conversation = Conversation;
  global.OneVisit.newSenderId = newSenderId;
})(window);
