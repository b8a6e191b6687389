// Reading answers aloud (speechSynthesis) and voice input (SpeechRecognition), each only where the browser has it.
(function (global) {
  "use strict";
  var LANG = "zh-CN";
  var VOICE_ERRORS = {
    "not-allowed": "没有得到使用麦克风的许可，请在浏览器设置里允许，或直接打字。",
    "service-not-allowed": "这个浏览器暂时不能语音输入，请直接打字。",
    "no-speech": "没有听到声音，请靠近一点再说一次，或直接打字。",
    "audio-capture": "没有找到麦克风，请直接打字。",
    "network": "语音识别需要联网，暂时用不了，请直接打字。"
  };
  var speaking = null;  // the 朗读 button of the answer being read

  function canSpeak() {
    return !!global.speechSynthesis && typeof global.SpeechSynthesisUtterance === "function";
  }

  function idle(button) {
    button.textContent = "朗读";
    if (speaking === button) { speaking = null; }
  }

  // A 朗读 button that reads textOf() aloud (pressed again, it stops), or null when the browser cannot speak.
  function speakButton(textOf) {
    if (!canSpeak()) { return null; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "speak";
    idle(button);
    button.addEventListener("click", function () {
      var synth = global.speechSynthesis;
      var wasMe = speaking === button;
      synth.cancel();
      if (speaking) { idle(speaking); }
      if (wasMe) { return; }
      var utterance = new global.SpeechSynthesisUtterance(textOf());
      utterance.lang = LANG;
      utterance.rate = document.documentElement.classList.contains("care") ? 0.85 : 1;
      utterance.onend = utterance.onerror = function () { idle(button); };
      speaking = button;
      button.textContent = "停止朗读";
      synth.speak(utterance);
    });
    return button;
  }

  function stopSpeaking() {
    if (canSpeak()) { global.speechSynthesis.cancel(); }
    if (speaking) { idle(speaking); }
  }

  // The voice input button: hidden when the browser has no speech recognition; otherwise what is heard is
  // added to the input for the person to check and send. onError(text) shows a problem.
  function bindVoice(button, input, onError) {
    var Recognition = global.SpeechRecognition || global.webkitSpeechRecognition;
    button.hidden = !Recognition;
    if (!Recognition) { return; }
    var active = null;
    function reset() {
      active = null;
      button.textContent = "语音输入";
    }
    reset();
    button.addEventListener("click", function () {
      if (active) { active.stop(); return; }
      var recognition = new Recognition();
      recognition.lang = LANG;
      recognition.interimResults = false;
      recognition.maxAlternatives = 1;
      recognition.onresult = function (event) {
        var heard = "";
        for (var i = event.resultIndex || 0; i < event.results.length; i += 1) {
          heard += event.results[i][0].transcript;
        }
        if (heard) {
          var limit = input.maxLength > 0 ? input.maxLength : 500;
          input.value = (input.value + heard).slice(0, limit);
          input.focus();
        }
      };
      recognition.onerror = function (event) {
        if (event.error !== "aborted") { onError(VOICE_ERRORS[event.error] || "语音输入没有成功，请再试一次或直接打字。"); }
      };
      recognition.onend = reset;
      try {
        recognition.start();
      } catch (e) {
        onError("语音输入没有成功，请再试一次或直接打字。");
        return;
      }
      active = recognition;
      button.textContent = "结束语音";
    });
  }

  global.OneVisit = global.OneVisit || {};
  global.OneVisit.speech = { speakButton: speakButton, stopSpeaking: stopSpeaking, bindVoice: bindVoice };
})(window);
