// OneVisit chat page for citizens (also shown inside the embeddable widget's panel); no build step.
(function () {
  "use strict";
  var OneVisit = window.OneVisit;
  var SENDER_KEY = "onevisit-sender";
  var GREETING = "您好！我是“一次办”政务服务助手。请告诉我您想办什么事，例如“身份证丢了怎么补办”“给孩子上户口”“公积金怎么取”。";
  var input = document.getElementById("text");
  var sendButton = document.getElementById("send");

  if (window.self !== window.top) { document.documentElement.classList.add("embedded"); }

  function remember(id) {
    try { localStorage.setItem(SENDER_KEY, id); } catch (e) { /* private mode: not remembered */ }
    return id;
  }

  function storedSender() {
    var id = null;
    try { id = localStorage.getItem(SENDER_KEY); } catch (e) { /* private mode */ }
    return id || remember(OneVisit.newSenderId("web"));
  }

  function speakButton(item, reply) {
    var button = OneVisit.speech.speakButton(function () { return reply.speech || reply.text; });
    if (button) { item.appendChild(button); }
  }

  var handoff = new OneVisit.Handoff({ messages: document.getElementById("messages"),
                                       sender: function () { return chat.sender; } });
  var chat = new OneVisit.Conversation({
    sender: storedSender(),
    messages: document.getElementById("messages"),
    status: document.getElementById("status"),
    renderCustom: handoff.watch(OneVisit.guide.render),
    onReset: function () { handoff.reset(); },
    extra: speakButton,
    onSent: function () { sendButton.disabled = true; },
    onDone: function () { sendButton.disabled = false; },
    onFailed: function (payload, kind) { if (kind === "typed" && !input.value) { input.value = payload; } }
  });

  function greet() { chat.add("bot", GREETING, null, { text: GREETING }); }

  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || sendButton.disabled) { input.focus(); return; }
    input.value = "";
    chat.send(text, text, "typed");
    input.focus();
  });

  // 新对话: for shared devices. A new sender id; the old conversation is told to forget; the screen is cleared.
  document.getElementById("new-chat").addEventListener("click", function () {
    OneVisit.speech.stopSpeaking();
    chat.reset(remember(OneVisit.newSenderId("web")));
    input.value = "";
    greet();
    input.focus();
  });

  OneVisit.care.bind(document.getElementById("care"), document.getElementById("care-large"));
  OneVisit.speech.bindVoice(document.getElementById("voice"), input, function (text) { chat.showStatus(text); });
  greet();
  // Inside the widget's panel: tell the widget the page is here (it offers another way in if the page never comes).
  if (window.parent !== window) { window.parent.postMessage({ type: "onevisit.ready" }, "*"); }
})();
