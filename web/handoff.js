// The citizen's side of a handoff to a 12345 agent: a status line, the agent's replies and status events polled from
// the edge (GET /webhooks/rest/updates), and outside the service hours a small form to leave a message and a number
// to call back (POST /webhooks/rest/leave_message). Every string from the server is set with textContent.
(function (global) {
  "use strict";
  var TYPE = "onevisit.handoff";
  var UPDATES = "/webhooks/rest/updates";
  var LEAVE = "/webhooks/rest/leave_message";
  var POLL_MS = 2500;
  var TIMEOUT_MS = 10000;
  var PHONE = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;
  var SAY = {
    queued: "正在为您转接人工坐席{place}，请稍候。",
    taken: "人工坐席{agent}已接入，您可以直接在下面输入。",
    handedBack: "人工服务已结束，您可以继续向智能助手提问。",
    closed: "人工服务已结束，感谢您的耐心。",
    agent: "人工坐席",
    formTitle: "现在不在人工服务时间，您可以留言，我们会在工作时间给您回电。",
    message: "留言内容",
    phone: "回电号码",
    send: "提交留言",
    needMessage: "请写下您想咨询的事（2 到 500 个字）。",
    badPhone: "请填写正确的手机号（11 位）或带区号的固定电话。",
    sending: "正在提交……",
    failed: "留言没有提交成功，请稍后再试，或拨打 12345。"
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] || ""; });
  }

  function timed(url, options) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    options.signal = controller.signal;
    return fetch(url, options).finally(function () { clearTimeout(timer); });
  }

  // options: messages (the conversation's ol), sender() -> the current sender id.
  function Handoff(options) {
    this.messages = options.messages;
    this.sender = options.sender;
    this.after = 0;        // the last update seen
    this.ticket = 0;       // updates of earlier tickets are not shown again
    this.timer = null;
    this.form = null;
    this.line = el("p", "status handoff-status");
    this.line.setAttribute("role", "status");
    this.line.hidden = true;
    this.messages.parentNode.insertBefore(this.line, this.messages);
  }

  Handoff.prototype.say = function (text) {
    this.line.textContent = text;
    this.line.hidden = !text;
  };

  Handoff.prototype.bubble = function (className, label, text) {
    var item = el("li", "bot " + className);
    var bubble = el("div", "bubble");
    if (label) {
      bubble.appendChild(el("strong", "handoff-who", label));
      bubble.appendChild(document.createElement("br"));
    }
    bubble.appendChild(document.createTextNode(text));
    item.appendChild(bubble);
    this.messages.appendChild(item);
    if (item.scrollIntoView) { item.scrollIntoView({ block: "nearest" }); }
    return item;
  };

  // A reply's custom payload: start or keep polling, or offer the leave-message form.
  Handoff.prototype.notice = function (custom) {
    if (!custom || custom.type !== TYPE) { return; }
    if (typeof custom.ticket === "number" && custom.ticket > this.ticket) { this.ticket = custom.ticket; }
    if (custom.status === "queued" || custom.status === "taken") {
      if (custom.status === "queued") {
        this.say(fill(SAY.queued, { place: custom.position ? "（排在第 " + custom.position + " 位）" : "" }));
      }
      this.start();
    } else if (custom.status === "closed") {
      this.stop();
      this.offerForm();
    }
  };

  Handoff.prototype.start = function () {
    var self = this;
    if (this.timer) { return; }
    this.timer = setInterval(function () { self.poll(); }, POLL_MS);
    this.poll();
  };

  Handoff.prototype.stop = function () {
    if (this.timer) { clearInterval(this.timer); }
    this.timer = null;
  };

  // New sender (新对话): nothing of the old conversation continues.
  Handoff.prototype.reset = function () {
    this.stop();
    this.after = 0;
    this.ticket = 0;
    this.say("");
    if (this.form && this.form.parentNode) { this.form.parentNode.removeChild(this.form); }
    this.form = null;
  };

  Handoff.prototype.poll = function () {
    var self = this;
    var sender = this.sender();
    if (this.polling) { return; }
    this.polling = true;
    timed(UPDATES + "?sender=" + encodeURIComponent(sender) + "&after=" + this.after, { method: "GET" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (updates) {
        if (sender !== self.sender() || !Array.isArray(updates)) { return; }
        updates.forEach(function (u) { self.show(u); });
      })
      .catch(function () { /* the next poll tries again */ })
      .finally(function () { self.polling = false; });
  };

  Handoff.prototype.show = function (u) {
    if (!u || typeof u.seq !== "number") { return; }
    this.after = Math.max(this.after, u.seq);
    if (typeof u.ticket === "number" && u.ticket < this.ticket) { return; }
    var agent = typeof u.agent === "string" && u.agent ? u.agent : "";
    if (u.who === "agent" && typeof u.text === "string" && u.text) {
      this.bubble("agent", SAY.agent + (agent ? " " + agent : ""), u.text);
    } else if (u.who === "system") {
      if (u.event === "queued") {
        this.say(fill(SAY.queued, { place: u.position ? "（排在第 " + u.position + " 位）" : "" }));
      } else if (u.event === "taken") {
        var taken = fill(SAY.taken, { agent: agent ? " " + agent + " " : "" });
        this.say(taken);
        this.bubble("handoff-event", "", taken);
      } else if (u.event === "handed_back" || u.event === "closed") {
        var ended = u.event === "handed_back" ? SAY.handedBack : SAY.closed;
        this.say(ended);
        this.bubble("handoff-event", "", ended);
        this.stop();
      }
    }
  };

  Handoff.prototype.offerForm = function () {
    var self = this;
    if (this.form && this.form.parentNode) { return; }
    var n = Date.now().toString(36);
    var form = el("form", "leave-message");
    form.setAttribute("aria-label", "留言和回电号码");
    form.noValidate = true;
    form.appendChild(el("p", "leave-title", SAY.formTitle));
    var text = el("textarea");
    text.id = "leave-text-" + n;
    text.maxLength = 500;
    text.rows = 3;
    var phone = el("input");
    phone.id = "leave-phone-" + n;
    phone.type = "tel";
    phone.maxLength = 20;
    phone.autocomplete = "tel";
    [[SAY.message, text], [SAY.phone, phone]].forEach(function (pair) {
      var label = el("label", null, pair[0]);
      label.htmlFor = pair[1].id;
      form.appendChild(label);
      form.appendChild(pair[1]);
    });
    var send = el("button", null, SAY.send);
    send.type = "submit";
    form.appendChild(send);
    var result = el("p", "leave-result");
    result.setAttribute("role", "status");
    result.setAttribute("aria-live", "polite");
    form.appendChild(result);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = text.value.trim();
      var number = phone.value.replace(/[\s-]/g, "");
      if (message.length < 2) { result.textContent = SAY.needMessage; text.focus(); return; }
      if (!PHONE.test(number)) { result.textContent = SAY.badPhone; phone.focus(); return; }
      send.disabled = true;
      result.textContent = SAY.sending;
      timed(LEAVE, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: self.sender(), message: message, phone: number }) })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            if (!response.ok) { throw new Error(body && typeof body.error === "string" ? body.error : SAY.failed); }
            result.textContent = body && typeof body.text === "string" ? body.text : "";
            text.disabled = true;
            phone.disabled = true;
          });
        })
        .catch(function (error) {
          send.disabled = false;
          result.textContent = error && error.message && error.message !== "Failed to fetch" &&
            error.name !== "AbortError" ? error.message : SAY.failed;
        });
    });
    this.form = form;
    var item = el("li", "bot leave-item");
    item.appendChild(form);
    this.messages.appendChild(item);
  };

  // A renderCustom for the conversation: notes handoff payloads, hands everything to `render` (the guide).
  Handoff.prototype.watch = function (render) {
    var self = this;
    return function (custom) {
      self.notice(custom);
      return render(custom);
    };
  };

  global.OneVisit = global.OneVisit || {};
  global.OneVisit.Handoff = Handoff;
})(window);
