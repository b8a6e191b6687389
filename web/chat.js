// OneVisit chat page: talks to Rasa's REST channel; no build step.
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var server = params.get("server") || (location.protocol + "//" + location.hostname + ":5005");
  var webhook = server.replace(/\/$/, "") + "/webhooks/rest/webhook";
  var TIMEOUT_MS = 15000;
  var messages = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var sendButton = document.getElementById("send");
  var status = document.getElementById("status");

  function senderId() {
    var id = null;
    try { id = localStorage.getItem("onevisit-sender"); } catch (e) { /* private mode */ }
    if (!id) {
      id = "web-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
      try { localStorage.setItem("onevisit-sender", id); } catch (e) { /* private mode */ }
    }
    return id;
  }
  var sender = senderId();

  function showStatus(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  function add(role, text, buttons) {
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
        button.addEventListener("click", function () { send(b.payload, b.title); });
        row.appendChild(button);
      });
      item.appendChild(row);
    }
    messages.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function send(payload, shown) {
    add("user", shown);
    sendButton.disabled = true;
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    return fetch(webhook, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: payload }),
      signal: controller.signal
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (replies) {
      showStatus("");
      if (!replies.length) { add("bot", "收到。您还可以继续提问。"); }
      replies.forEach(function (r) { if (r.text || r.buttons) { add("bot", r.text || "", r.buttons); } });
    }).catch(function () {
      showStatus("暂时连接不上服务，请稍后再试；着急的话请拨打 12345 政务服务便民热线。");
      add("bot", "抱歉，服务暂时连接不上，您的消息没有发送成功，已放回输入框，请稍后重试。");
      if (!input.value && payload.charAt(0) !== "/") { input.value = payload; }
    }).finally(function () {
      clearTimeout(timer);
      sendButton.disabled = false;
      input.focus();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text, text);
  });

  add("bot", "您好！我是“一次办”政务服务助手。请告诉我您想办什么事，例如“身份证丢了怎么补办”“给孩子上户口”“公积金怎么取”。");
})();
