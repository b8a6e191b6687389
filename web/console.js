// 12345 hotline console: one conversation per call, quick follow-ups, answers that can be copied.
(function () {
  "use strict";
  var messages = document.getElementById("messages");
  var input = document.getElementById("text");
  var sendButton = document.getElementById("send");
  var callId = document.getElementById("call-id");
  var call = null;

  function copyButton(item, reply) {
    if (!reply.text) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "复制答复";
    button.addEventListener("click", function () {
      if (navigator.clipboard) { navigator.clipboard.writeText(reply.text).catch(function () {}); }
      button.textContent = "已复制";
    });
    item.appendChild(button);
  }

  function newCall() {
    messages.innerHTML = "";
    call = new OneVisit.Conversation({
      sender: OneVisit.newSenderId("hotline"),
      messages: messages,
      status: document.getElementById("status"),
      extra: copyButton,
      onSent: function () { sendButton.disabled = true; },
      onDone: function () { sendButton.disabled = false; input.focus(); },
      onFailed: function (payload) { if (!input.value && payload.charAt(0) !== "/") { input.value = payload; } }
    });
    document.getElementById("district").value = "";
    callId.textContent = "通话编号 " + call.sender.slice(-6);
    call.add("bot", "新来电。请输入来电人的问题，例如“身份证丢了怎么补办”。");
    input.focus();
  }

  document.getElementById("new-call").addEventListener("click", newCall);
  document.getElementById("district").addEventListener("change", function (event) {
    if (event.target.value) { call.send("我在" + event.target.value, "来电人在" + event.target.value); }
  });
  Array.prototype.forEach.call(document.querySelectorAll(".quick button"), function (button) {
    button.addEventListener("click", function () { call.send(button.dataset.payload, button.textContent); });
  });
  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    call.send(text, text);
  });
  newCall();
})();
