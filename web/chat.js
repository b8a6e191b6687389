// OneVisit chat page for citizens; no build step.
(function () {
  "use strict";
  var input = document.getElementById("text");
  var sendButton = document.getElementById("send");

  function storedSender() {
    var id = null;
    try { id = localStorage.getItem("onevisit-sender"); } catch (e) { /* private mode */ }
    if (!id) {
      id = OneVisit.newSenderId("web");
      try { localStorage.setItem("onevisit-sender", id); } catch (e) { /* private mode */ }
    }
    return id;
  }

  var chat = new OneVisit.Conversation({
    sender: storedSender(),
    messages: document.getElementById("messages"),
    status: document.getElementById("status"),
    onSent: function () { sendButton.disabled = true; },
    onDone: function () { sendButton.disabled = false; input.focus(); },
    onFailed: function (payload) { if (!input.value && payload.charAt(0) !== "/") { input.value = payload; } }
  });

  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    chat.send(text, text);
  });

  chat.add("bot", "您好！我是“一次办”政务服务助手。请告诉我您想办什么事，例如“身份证丢了怎么补办”“给孩子上户口”“公积金怎么取”。");
})();
