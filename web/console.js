// 12345 agents' console: the queue, a ticket's summary and messages (take, reply, hand back, close), the guide as a
// script to read (affair search, district and situation answers set directly), case lookup, the messages citizens
// left outside the service hours (reveal the callback number: supervisors only, audited; mark as called back), and
// for supervisors the audit of case lookups and reveals. API: /api/*.
(function () {
  "use strict";
  var staff = OneVisit.staff;
  var el = staff.el;
  var QUEUE_MS = 4000;
  var TICKET_MS = 3000;
  var LEFT_MS = 15000;
  var AUDIT_PAGE = 50;
  var STATUS = { queued: "排队中", taken: "服务中", handed_back: "已交还智能助手", closed: "已结束" };
  var EVENTS = { queued: "群众进入排队", taken: "坐席已接入", handed_back: "已交还智能助手", closed: "服务已结束" };
  var WHO = { citizen: "群众", agent: "坐席", system: "系统", note: "系统提示（仅坐席可见）" };
  var LEFT_STATUS = { "new": "待回电", done: "已回电" };
  var CHANNELS = { web: "网页", wx: "微信", wecom: "企业微信" };
  var ACTIONS = { case_lookup: "办件进度查询", reveal_phone: "查看回电号码", assign_question: "问题归入事项",
    ask_between: "问题归入共有话题", two_affairs: "问题归为涉及几项事项", mark_out_of_scope: "标为不归本助手办理", add_user: "新建或更新用户" };
  var OUTCOMES = { found: "查到", not_found_or_mismatch: "未查到或核验不符", locked: "尝试次数过多，已暂停查询",
    rate_limited: "查询太频繁", bad_number: "办件编号格式不对", bad_factor: "核验信息格式不对",
    unavailable: "查询系统暂时不可用", unknown: "结果不明", revealed: "已查看完整号码",
    undecryptable: "号码无法解密", loaded: "已载入知识库", created: "已创建", replaced: "已更新" };
  var $ = function (id) { return document.getElementById(id); };
  var timers = [];
  var current = null;     // the open ticket's id
  var guideState = null;  // {affair, answers}
  var me = null;          // the logged-in user
  var revealed = {};      // left message id -> the full number this supervisor revealed (kept until logout)
  var leftShown = "";     // what the left-message list shows now (so that polling redraws only on change)
  var auditBefore = null; // the oldest audit row shown, for "加载更早的记录"
  var auditRequest = 0;   // the latest request for audit rows: only its answer is shown

  function waited(seconds) {
    if (typeof seconds !== "number") { return ""; }
    if (seconds < 60) { return Math.max(0, Math.round(seconds)) + " 秒"; }
    return Math.floor(seconds / 60) + " 分 " + Math.round(seconds % 60) + " 秒";
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // An ISO time from the API ("2026-11-28T12:00:00+08:00") as <time> showing "2026-11-28 12:00".
  function when(iso) {
    var node = el("time", null, iso ? iso.slice(0, 16).replace("T", " ") : "—");
    if (iso) { node.dateTime = iso; }
    return node;
  }

  function isSupervisor() { return me !== null && staff.hasRole(me, ["supervisor"]); }

  function fact(dl, label, value) {
    var group = el("div");
    group.appendChild(el("dt", null, label));
    group.appendChild(el("dd", null, value || "—"));
    dl.appendChild(group);
  }

  // ---- queue ----
  function renderQueue(data) {
    var list = $("queue");
    clear(list);
    var tickets = data.tickets || [];
    $("queue-status").textContent = tickets.length ? "排队 " + data.queued + " 人，共 " + tickets.length + " 张工单"
      : "现在没有排队的群众。";
    tickets.forEach(function (t) {
      var item = el("li", "queue-item" + (t.id === current ? " current" : ""));
      var head = el("p", "queue-head");
      head.appendChild(el("strong", null, "工单 " + t.id));
      head.appendChild(el("span", "badge " + t.status, STATUS[t.status] || t.status));
      item.appendChild(head);
      var dl = el("dl", "facts compact");
      fact(dl, "等待", waited(t.waiting_seconds));
      fact(dl, "事项", t.affair_name);
      fact(dl, "地区", t.district);
      fact(dl, "原因", t.reason);
      if (t.agent) { fact(dl, "坐席", t.agent + (t.mine ? "（我）" : "")); }
      item.appendChild(dl);
      var open = el("button", "open-ticket", "打开工单 " + t.id);
      open.type = "button";
      open.addEventListener("click", function () { openTicket(t.id); });
      item.appendChild(open);
      list.appendChild(item);
    });
  }

  function loadQueue() {
    return staff.api("GET", "/api/queue").then(renderQueue, function (error) {
      if (error.status !== 401) { $("queue-status").textContent = staff.errorText(error); }
    });
  }

  // ---- ticket ----
  function renderTicket(data) {
    var t = data.ticket;
    var s = data.summary || {};
    $("ticket-panel").hidden = false;
    $("ticket-title").textContent = "工单 " + t.id;
    $("ticket-state").textContent = "状态：" + (STATUS[t.status] || t.status) +
      (t.agent ? "　坐席：" + t.agent : "") + (t.position ? "　排第 " + t.position + " 位" : "");
    var dl = $("summary");
    clear(dl);
    fact(dl, "事项", s.affair_name || s.affair);
    fact(dl, "情形", (s.answers || []).join("；"));
    fact(dl, "地区", s.district);
    fact(dl, "转人工原因", t.reason);
    fact(dl, "助手已答复", s.answered);
    var turns = $("turns");
    clear(turns);
    (s.last_turns || []).forEach(function (turn) {
      var li = el("li", turn.who === "bot" ? "turn bot-turn" : "turn user-turn");
      li.appendChild(el("span", "turn-who", turn.who === "bot" ? "助手：" : "群众："));
      li.appendChild(el("span", null, turn.text));
      turns.appendChild(li);
    });
    if (!turns.firstChild) { turns.appendChild(el("li", "muted", "没有记录到对话。")); }
    var history = $("history");
    var seen = history.dataset.ticket === String(t.id) ? parseInt(history.dataset.last || "0", 10) : -1;
    if (seen < 0) { clear(history); seen = 0; }
    history.dataset.ticket = String(t.id);
    (data.messages || []).forEach(function (m) {
      if (m.seq <= seen) { return; }
      seen = m.seq;
      var li = el("li", "msg " + m.who);
      var label = m.who === "agent" ? "坐席" + (m.agent ? "（" + m.agent + "）" : "") : WHO[m.who] || m.who;
      var text = m.event ? (EVENTS[m.event] || m.event) + (m.text ? "：" + m.text : "") : m.text;
      var bubble = el("div", "bubble");
      bubble.appendChild(el("span", "msg-who", label + "："));
      bubble.appendChild(document.createTextNode(text || ""));
      li.appendChild(bubble);
      history.appendChild(li);
    });
    history.dataset.last = String(seen);
    var open = t.status === "queued" || t.status === "taken";
    $("take").disabled = !(t.status === "queued" || (t.status === "taken" && !t.mine));
    $("take").textContent = t.status === "taken" && !t.mine ? "改由我接入" : "接入";
    $("hand-back").disabled = !open;
    $("close").disabled = !open;
    $("reply-send").disabled = !(t.status === "taken" && t.mine);
    $("reply-text").disabled = !(t.status === "taken" && t.mine);
  }

  function loadTicket() {
    if (current === null) { return Promise.resolve(); }
    var id = current;
    return staff.api("GET", "/api/tickets/" + id).then(function (data) {
      if (id === current) { renderTicket(data); }
    }, function (error) { if (error.status !== 401) { $("ticket-error").textContent = staff.errorText(error); } });
  }

  function openTicket(id) {
    current = id;
    $("ticket-error").textContent = "";
    $("history").dataset.ticket = "";
    loadTicket().then(function () { $("ticket-title").focus(); });
  }

  function act(path, body) {
    $("ticket-error").textContent = "";
    return staff.api("POST", "/api/tickets/" + current + "/" + path, body).then(function () {
      return Promise.all([loadTicket(), loadQueue()]);
    }, function (error) { $("ticket-error").textContent = staff.errorText(error); throw error; });
  }

  $("take").addEventListener("click", function () { act("take").catch(function () {}); });
  $("hand-back").addEventListener("click", function () { act("hand-back").catch(function () {}); });
  $("close").addEventListener("click", function () { act("close").catch(function () {}); });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply-text").value.trim();
    if (!text) { $("ticket-error").textContent = "请先写好回复内容。"; return; }
    act("reply", { text: text }).then(function () { $("reply-text").value = ""; }, function () {});
  });

  // ---- guide ----
  function showAssistError(error) { $("assist-error").textContent = error ? staff.errorText(error) : ""; }

  $("affair-form").addEventListener("submit", function (event) {
    event.preventDefault();
    showAssistError(null);
    var list = $("affairs");
    staff.api("GET", "/api/affairs?q=" + encodeURIComponent($("affair-q").value.trim())).then(function (data) {
      clear(list);
      if (!(data.affairs || []).length) { list.appendChild(el("li", "muted", "没有找到相关事项，请换个说法。")); }
      (data.affairs || []).forEach(function (a) {
        var li = el("li");
        var pick = el("button", "pick-affair", a.name);
        pick.type = "button";
        pick.addEventListener("click", function () {
          guideState = { affair: a.id, name: a.name, answers: {} };
          $("guide-district").value = "";
          loadGuide();
        });
        li.appendChild(pick);
        if (a.department) { li.appendChild(el("span", "muted", " " + a.department)); }
        if (data.each && (data.clarify || []).indexOf(a.id) >= 0) {
          li.appendChild(el("span", "spoken-for", " 来电人说的情况和这件有关"));
        }
        list.appendChild(li);
      });
    }, showAssistError);
  });

  function question(p) {
    var wrap = el("div", "question");
    var id = "q-" + p.key.replace(/[^A-Za-z0-9_-]/g, "_");
    var label = el("label", null, p.ask);
    label.htmlFor = id;
    var select = el("select");
    select.id = id;
    select.appendChild(el("option", null, "请选择"));
    select.firstChild.value = "";
    p.options.forEach(function (o) {
      var option = el("option", null, o.label);
      option.value = o.value;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      if (select.value) { guideState.answers[p.key] = select.value; loadGuide(); }
    });
    wrap.appendChild(label);
    wrap.appendChild(select);
    return wrap;
  }

  function renderGuide(data) {
    $("guide-form").hidden = false;
    $("guide-affair").textContent = data.affair.name;
    var questions = $("guide-questions");
    clear(questions);
    (data.answered || []).forEach(function (a) {
      questions.appendChild(el("p", "answered", a.ask + "：" + a.label));
    });
    (data.pending || []).forEach(function (p) { questions.appendChild(question(p)); });
    var result = $("guide-result");
    clear(result);
    result.appendChild(el("h3", null, data.complete ? "可以照读的答复" : "答复（还可以补充上面的问题）"));
    var view = data.guide && OneVisit.guide ? OneVisit.guide.render(data.guide) : null;
    if (view) {
      result.appendChild(view.element);
    } else {
      result.appendChild(el("div", "script-text", data.text));
    }
    var copy = el("button", "copy-script", "复制答复");
    copy.type = "button";
    var done = el("span", "muted");
    done.setAttribute("role", "status");
    copy.addEventListener("click", function () {
      staff.copyText(data.text).then(function () { done.textContent = "已复制。"; },
        function () { done.textContent = "没能复制，请手动选择文字复制。"; });
    });
    result.appendChild(copy);
    result.appendChild(done);
  }

  function loadGuide() {
    showAssistError(null);
    return staff.api("POST", "/api/guide", {
      affair: guideState.affair, district: $("guide-district").value.trim() || null, answers: guideState.answers
    }).then(renderGuide, showAssistError);
  }

  $("guide-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (guideState) { loadGuide(); }
  });

  // ---- case lookup ----
  $("case-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var out = $("case-result");
    out.textContent = "正在查询……";
    staff.api("POST", "/api/cases/lookup", { case_number: $("case-number").value.trim(),
      factor: $("case-factor").value.trim() }).then(function (data) { out.textContent = data.text; },
      function (error) { out.textContent = staff.errorText(error); }).then(function () {
      if (isSupervisor()) { loadAudit(false); }  // every lookup is a new audit row
    });
  });

  // ---- messages left outside the service hours ----
  function leftButton(text, label, onClick) {
    var button = el("button", null, text);
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.addEventListener("click", function () { onClick(button); });
    return button;
  }

  function phoneFact(dl, m) {
    var group = el("div");
    group.appendChild(el("dt", null, "回电号码"));
    var dd = el("dd");
    var full = revealed[m.id];
    if (full) {
      var link = el("a", "phone-full", full);
      link.href = "tel:" + full;
      link.id = "left-phone-" + m.id;
      dd.appendChild(link);
    } else {
      dd.appendChild(el("span", "phone-masked", m.phone || "—"));
      if (!isSupervisor()) { dd.appendChild(el("span", "muted", "（完整号码请班长查看）")); }
    }
    group.appendChild(dd);
    dl.appendChild(group);
  }

  function leftItem(m) {
    var item = el("li", "left-item");
    item.id = "left-" + m.id;
    var head = el("p", "queue-head");
    head.appendChild(el("strong", null, "留言 " + m.id));
    head.appendChild(el("span", "badge " + (m.status === "done" ? "done" : "new"), LEFT_STATUS[m.status] || m.status));
    item.appendChild(head);
    var dl = el("dl", "facts");
    var at = el("div");
    at.appendChild(el("dt", null, "留言时间"));
    var atValue = el("dd");
    atValue.appendChild(when(m.created_at));
    at.appendChild(atValue);
    dl.appendChild(at);
    var tag = String(m.citizen || "");
    fact(dl, "群众", (CHANNELS[m.channel] || m.channel || "") + " · " + tag);
    if (m.summary && m.summary.affair_name) { fact(dl, "所问事项", m.summary.affair_name); }
    phoneFact(dl, m);
    if (m.status === "done") {
      var done = el("div");
      done.appendChild(el("dt", null, "回电情况"));
      var doneValue = el("dd", null, "已由 " + (m.handled_by || "—") + " 于 ");
      doneValue.appendChild(when(m.handled_at));
      doneValue.appendChild(document.createTextNode(" 标记为已回电"));
      done.appendChild(doneValue);
      dl.appendChild(done);
    }
    item.appendChild(dl);
    item.appendChild(el("p", "left-text", m.text));
    var actions = el("div", "actions");
    actions.setAttribute("role", "group");
    actions.setAttribute("aria-label", "留言 " + m.id + " 的操作");
    if (isSupervisor() && !revealed[m.id]) {
      actions.appendChild(leftButton("查看完整号码", "查看完整号码：留言 " + m.id, function (button) {
        reveal(m.id, button);
      }));
    }
    if (m.status !== "done") {
      actions.appendChild(leftButton("标记为已回电", "标记为已回电：留言 " + m.id, function (button) {
        markDone(m.id, button);
      }));
    }
    if (actions.firstChild) { item.appendChild(actions); }
    return item;
  }

  function renderLeft(messages, force) {
    var shown = JSON.stringify([messages, revealed, isSupervisor()]);
    if (shown === leftShown && !force) { return; }  // unchanged: keep the list (and the focus in it) as it is
    leftShown = shown;
    var list = $("left-list");
    clear(list);
    var status = $("left-status").value;
    var count = messages.length;
    $("left-count").textContent = status === "new" ? (count ? "有 " + count + " 条留言等待回电。" : "现在没有等待回电的留言。")
      : status === "done" ? (count ? "已回电的留言 " + count + " 条。" : "还没有已回电的留言。")
        : (count ? "共 " + count + " 条留言。" : "还没有留言。");
    messages.forEach(function (m) { list.appendChild(leftItem(m)); });
  }

  function loadLeft(force) {
    if (me === null) { return Promise.resolve(); }
    return staff.api("GET", "/api/left-messages?status=" + encodeURIComponent($("left-status").value)).then(
      function (data) {
        $("left-error").textContent = "";
        renderLeft(data.messages || [], force);
      }, function (error) { if (error.status !== 401) { $("left-error").textContent = staff.errorText(error); } });
  }

  function reveal(id, button) {
    button.disabled = true;
    $("left-error").textContent = "";
    staff.api("POST", "/api/left-messages/" + id + "/reveal").then(function (data) {
      revealed[id] = data.phone;
      $("left-said").textContent = "已显示留言 " + id + " 的完整回电号码，这次查看已记入查询记录。";
      return loadLeft(true).then(function () {
        var link = $("left-phone-" + id);
        if (link) { link.focus(); }
        return loadAudit(false);
      });
    }, function (error) {
      button.disabled = false;
      $("left-error").textContent = staff.errorText(error);
    });
  }

  function markDone(id, button) {
    button.disabled = true;
    $("left-error").textContent = "";
    staff.api("POST", "/api/left-messages/" + id + "/done").then(function () {
      $("left-said").textContent = "留言 " + id + " 已标记为已回电。";
      return loadLeft(true).then(function () { $("left-title").focus(); });
    }, function (error) {
      button.disabled = false;
      $("left-error").textContent = staff.errorText(error);
    });
  }

  $("left-status").addEventListener("change", function () { $("left-said").textContent = ""; loadLeft(true); });
  $("left-refresh").addEventListener("click", function () { loadLeft(true); });

  // ---- audit (supervisors) ----
  function auditRow(r) {
    var tr = el("tr");
    var at = el("td");
    at.appendChild(when(r.at));
    tr.appendChild(at);
    tr.appendChild(el("td", null, r.user));
    tr.appendChild(el("td", null, ACTIONS[r.action] || r.action));
    tr.appendChild(el("td", null, r.target));
    var outcome = String(r.outcome || "");
    tr.appendChild(el("td", null, OUTCOMES[outcome] || OUTCOMES[outcome.split(":")[0]] || outcome));
    return tr;
  }

  // The newest rows (more = false) or the page before the oldest shown (more = true). Only the answer to the
  // latest request is shown: an earlier one (the list before a filter was picked, or before logging out) that
  // arrives late is dropped.
  function loadAudit(more) {
    if (!isSupervisor()) { return Promise.resolve(); }
    var request = ++auditRequest;
    var action = $("audit-action").value;
    var query = "?limit=" + AUDIT_PAGE + (action ? "&action=" + encodeURIComponent(action) : "") +
      (more && auditBefore !== null ? "&before=" + auditBefore : "");
    $("audit-error").textContent = "";
    return staff.api("GET", "/api/audit" + query).then(function (data) {
      if (request !== auditRequest) { return; }
      var rows = data.rows || [];
      var body = $("audit-rows");
      if (!more) { clear(body); }
      rows.forEach(function (r) { body.appendChild(auditRow(r)); });
      if (rows.length) { auditBefore = rows[rows.length - 1].id; }
      $("audit-more").hidden = rows.length < AUDIT_PAGE;
      var total = body.rows.length;
      $("audit-status").textContent = total ? "显示最近的 " + total + " 条记录。" : "还没有这类记录。";
    }, function (error) {
      if (request === auditRequest && error.status !== 401) { $("audit-error").textContent = staff.errorText(error); }
    });
  }

  $("audit-action").addEventListener("change", function () { loadAudit(false); });
  $("audit-refresh").addEventListener("click", function () { loadAudit(false); });
  $("audit-more").addEventListener("click", function () { loadAudit(true); });

  // ---- session ----
  function stop() {
    timers.forEach(clearInterval);
    timers = [];
    current = null;
    me = null;
    revealed = {};
    leftShown = "";
    auditBefore = null;
    auditRequest += 1;  // an answer still on its way belongs to the session that ended
    $("ticket-panel").hidden = true;
    $("audit-panel").hidden = true;
    ["left-list", "audit-rows"].forEach(function (id) { clear($(id)); });
    ["left-count", "left-said", "left-error", "audit-status", "audit-error"].forEach(function (id) {
      $(id).textContent = "";
    });
  }

  var page = staff.session({
    form: $("login-form"), name: $("login-name"), password: $("login-password"), loginPanel: $("login"),
    app: $("desk"), who: $("who"), logout: $("logout"), notice: $("notice"),
    onLogout: stop,
    onLogin: function (user) {
      stop();
      if (!staff.hasRole(user, ["agent", "supervisor"])) {
        $("desk").hidden = true;
        page.show("您的账号没有坐席权限，不能查看排队工单。知识库维护请使用维护页面（maintain.html）。");
        return;
      }
      me = user;
      $("audit-panel").hidden = !isSupervisor();
      loadQueue();
      loadLeft(true);
      loadAudit(false);
      timers.push(setInterval(loadQueue, QUEUE_MS));
      timers.push(setInterval(loadTicket, TICKET_MS));
      timers.push(setInterval(function () { loadLeft(false); }, LEFT_MS));
    }
  });
  $("ticket-title").tabIndex = -1;
})();
