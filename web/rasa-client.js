// Shared by the chat page and the hotline console: talks to the REST channel through the edge server that
// served this page (same origin) and renders replies.
(function (global) {
  "use strict";
  var TIMEOUT_MS = 35000;  // a little longer than the edge's own 30-second wait for Rasa
  var WEBHOOK = "/webhooks/rest/webhook";
  var HOTLINE_HINT = "着急的话请拨打 12345 政务服务便民热线。";

  function newSenderId(prefix) {
    return prefix + "-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
  }

  // options: messages (ol), status (element), onSent(), onDone(), onFailed(payload), extra(item, reply)
  function Conversation(options) {
    this.options = options;
    this.webhook = WEBHOOK;
    this.sender = options.sender || newSenderId("web");
  }

  Conversation.prototype.add = function (role, text, buttons, reply) {
    var self = this;
    var item = document.createElement("li");
    item.className = role;
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = text;
    item.appendChild(bubble);
    if (buttons && buttons.length) {
      var row = document.createElement("div");
      row.className = "buttons";
      buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () { self.send(b.payload, b.title); });
        row.appendChild(button);
      });
      item.appendChild(row);
    }
    if (reply && this.options.extra) { this.options.extra(item, reply); }
    this.options.messages.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  };

  Conversation.prototype.showStatus = function (text) {
    this.options.status.textContent = text;
    this.options.status.hidden = !text;
  };

  Conversation.prototype.send = function (payload, shown) {
    var self = this;
    this.add("user", shown);
    if (this.options.onSent) { this.options.onSent(); }
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    return fetch(this.webhook, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: this.sender, message: payload }),
      signal: controller.signal
    }).then(function (response) {
      if (response.ok) { return response.json(); }
      // The edge explains refusals and outages in {"error": "..."}; show its words when there are any.
      return response.json().catch(function () { return {}; }).then(function (body) {
        var error = new Error("HTTP " + response.status);
        error.explanation = body && typeof body.error === "string" ? body.error : "";
        throw error;
      });
    }).then(function (replies) {
      self.showStatus("");
      if (!replies.length) { self.add("bot", "收到。您还可以继续提问。"); }
      replies.forEach(function (r) { if (r.text || r.buttons) { self.add("bot", r.text || "", r.buttons, r); } });
    }).catch(function (error) {
      var explanation = error && error.explanation;
      var status = explanation || "暂时连接不上服务，请稍后再试。";
      self.showStatus(status.indexOf("12345") >= 0 ? status : status + HOTLINE_HINT);
      self.add("bot", "抱歉，消息没有发送成功，已放回输入框，请稍后重试。");
      if (self.options.onFailed) { self.options.onFailed(payload); }
    }).finally(function () {
      clearTimeout(timer);
      if (self.options.onDone) { self.options.onDone(); }
    });
  };

  global.OneVisit = { Conversation: Conversation, newSenderId: newSenderId };
})(window);
