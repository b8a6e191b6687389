// Maintainers' page: ratings, daily analytics (tables and two charts), and the loop that places questions the
// assistant did not understand (assign to an affair, to a topic several affairs share, to the affairs a question
// of two or more concerns, or mark out of scope).
// API: /api/* on the same origin.
(function () {
  "use strict";
  var staff = OneVisit.staff;
  var el = staff.el;
  var $ = function (id) { return document.getElementById(id); };
  var charts = {};
  var topics = null;  // the out-of-scope topics, once loaded (maintainers only)
  var umbrellas = null;  // the topics several affairs share, once loaded (maintainers only)
  var maintainer = false;

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function cell(row, value, header) {
    row.appendChild(el(header ? "th" : "td", null, value === null || value === undefined ? "—" : value));
  }

  // ---- ratings ----
  function renderRatings(data) {
    var s = data.summary;
    $("satisfaction").textContent = s.total ? "满意度 " + s.satisfaction + "%，共 " + s.total + " 次评价"
      : "还没有评价。";
    var body = $("levels").tBodies[0];
    clear(body);
    s.levels.forEach(function (l) {
      var row = el("tr");
      cell(row, l.label, true);
      row.firstChild.scope = "row";
      cell(row, l.count);
      body.appendChild(row);
    });
  }

  // ---- daily ----
  function perDay(rows) {
    var days = {};
    rows.forEach(function (r) {
      var d = days[r.day] = days[r.day] || { conversations: 0, ratings: 0, satisfied: 0 };
      d.conversations += r.conversations || 0;
      if (r.ratings) {
        d.ratings += r.ratings;
        d.satisfied += (r.satisfaction || 0) * r.ratings / 100;
      }
    });
    var labels = Object.keys(days).sort();
    return {
      labels: labels,
      conversations: labels.map(function (d) { return days[d].conversations; }),
      satisfaction: labels.map(function (d) {
        return days[d].ratings ? Math.round(1000 * days[d].satisfied / days[d].ratings) / 10 : null;
      })
    };
  }

  function drawChart(id, labels, values, label, max) {
    if (typeof window.Chart !== "function") { return false; }
    if (charts[id]) { charts[id].destroy(); }
    charts[id] = new window.Chart($(id), {
      type: labels.length > 1 ? "line" : "bar",
      data: { labels: labels, datasets: [{ label: label, data: values, borderColor: "#1f5fbf",
        backgroundColor: "rgba(31, 95, 191, 0.35)", spanGaps: true }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, suggestedMax: max } } }
    });
    return true;
  }

  function renderDaily(data) {
    var body = $("daily").tBodies[0];
    clear(body);
    data.rows.forEach(function (r) {
      var row = el("tr");
      [r.day, r.affair_name, r.conversations, r.resolved, r.clarified, r.abstained, r.handed_off,
        r.avg_turns_to_guide, r.ratings, r.satisfaction].forEach(function (v) { cell(row, v); });
      body.appendChild(row);
    });
    if (!data.rows.length) {
      var empty = el("tr");
      var td = el("td", "muted", "还没有统计数据，可以点“刷新统计”从对话记录读取。");
      td.colSpan = 10;
      empty.appendChild(td);
      body.appendChild(empty);
    }
    var days = perDay(data.rows);
    var drawn = drawChart("chart-conversations", days.labels, days.conversations, "对话数") &&
      drawChart("chart-satisfaction", days.labels, days.satisfaction, "满意度%", 100);
    $("chart-status").textContent = drawn ? "" : "图表组件没有加载，请看下面的表格。";
  }

  // ---- questions ----
  function outcomeText(result) {
    var done = { assigned: "已归到事项 ", umbrella: "已归到共有话题（助手会请群众选择）",
      two_affairs: "已归为涉及几项的问题（助手会请群众选择）：", out_of_scope: "已标为不归本助手办理：" };
    return (done[result.kind] || "") + result.target.split("|").join(" / ") +
      "，已写入 " + result.file + (result.changed ? "" : "（已有这条，没有重复写入）") + "，知识库检查通过并已载入。";
  }

  function problemsText(error, body) {
    var problems = (body && body.problems) || [];
    if (!problems.length) { return staff.errorText(error); }
    return ["知识库检查没有通过，改动已撤销："].concat(problems.map(function (p) {
      return p.file + ":" + p.line + " " + p.message;
    })).join("\n");
  }

  function send(path, payload, out, item) {
    out.className = "outcome";
    out.textContent = "正在检查并载入知识库……";
    return staff.api("POST", path, payload).then(function (result) {
      out.className = "outcome ok";
      out.textContent = outcomeText(result);
      item.querySelectorAll("button, select, input").forEach(function (c) { c.disabled = true; });
    }, function (error) { refuse(out, problemsText(error, error.body)); });
  }

  function labelled(control, id, text) {
    control.id = id;
    var box = el("div");
    var label = el("label", null, text);
    label.htmlFor = id;
    box.appendChild(label);
    box.appendChild(control);
    return box;
  }

  function button(className, text, onClick) {
    var b = el("button", className, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function options(select, prompt, choices) {
    clear(select);
    if (prompt !== null) {
      select.appendChild(el("option", null, prompt));
      select.firstChild.value = "";
    }
    choices.forEach(function (c) { var o = el("option", null, c.text); o.value = c.value; select.appendChild(o); });
  }

  function refuse(out, text) {
    out.className = "outcome bad";
    out.textContent = text;
  }

  function fixControls(q, item, n) {
    var out = el("p", "outcome");
    out.setAttribute("role", "status");
    var search = el("input");
    search.value = q.text;
    search.maxLength = 200;
    var pick = el("select");
    options(pick, "先查找事项", []);
    var several = severalControls(q, item, n, out);
    var find = button(null, "查找", function () {
      staff.api("GET", "/api/affairs?q=" + encodeURIComponent(search.value.trim())).then(function (data) {
        var found = data.affairs || [];
        options(pick, found.length ? "请选择事项（" + found.length + " 个）" : "没有找到事项",
          found.map(function (a) { return { value: a.id, text: a.name + "（" + a.id + "）" }; }));
        several.show(found);
        out.className = "outcome";
        out.textContent = found.length ? "" : "没有找到事项，请换个说法再查。";
      }, function (error) { refuse(out, staff.errorText(error)); });
    });
    var assign = button("assign", "归到此事项", function () {
      if (!pick.value) { refuse(out, "请先查找并选择一个事项。"); return; }
      send("/api/maintain/assign", { question: q.text, affair: pick.value }, out, item);
    });
    var fix = el("div", "fix");
    fix.appendChild(labelled(search, "search-" + n, "查找事项"));
    fix.appendChild(find);
    fix.appendChild(labelled(pick, "affair-" + n, "归到事项"));
    fix.appendChild(assign);
    var topic = el("select");
    options(topic, null, (topics || []).map(function (t) { return { value: t, text: t }; }));
    var scope = el("div", "fix");
    scope.appendChild(labelled(topic, "topic-" + n, "不归本助手办理的话题"));
    scope.appendChild(button("out-of-scope", "标为不归本助手办理", function () {
      if (!topic.value) { refuse(out, "请先选择话题。"); return; }
      send("/api/maintain/out-of-scope", { question: q.text, topic: topic.value }, out, item);
    }));
    var umbrella = el("select");
    options(umbrella, "请选择共有话题", (umbrellas || []).map(function (u) {
      return { value: u.id, text: u.topic + "（" + u.affairs.join(" / ") + "）" };
    }));
    var shared = el("div", "fix");
    shared.appendChild(labelled(umbrella, "umbrella-" + n, "几个事项共有的话题"));
    shared.appendChild(button("umbrella", "归到共有话题，请群众选择", function () {
      if (!umbrella.value) { refuse(out, "请先选择共有话题。"); return; }
      send("/api/maintain/umbrella", { question: q.text, umbrella: umbrella.value }, out, item);
    }));
    item.appendChild(fix);
    item.appendChild(several.node);
    item.appendChild(shared);
    item.appendChild(scope);
    item.appendChild(out);
  }

  // The affairs a question of two or more concerns: ticked among the search results, kept across searches
  // (身份证 then 驾驶证), then placed together.
  function severalControls(q, item, n, out) {
    var chosen = {};  // affair id → name, in the order ticked
    var box = el("fieldset", "several");
    box.appendChild(el("legend", null, "涉及几项事项（勾选两项或更多）"));
    var list = el("div", "choices");
    box.appendChild(list);
    function show(found) {
      clear(list);
      var ticked = Object.keys(chosen).map(function (id) { return { id: id, name: chosen[id] }; });
      var shown = {};
      ticked.concat(found).forEach(function (a) {
        if (shown[a.id]) { return; }
        shown[a.id] = true;
        var tick = el("input");
        tick.type = "checkbox";
        tick.id = "several-" + n + "-" + a.id;
        tick.value = a.id;
        tick.checked = Object.prototype.hasOwnProperty.call(chosen, a.id);
        tick.addEventListener("change", function () {
          if (tick.checked) { chosen[a.id] = a.name; } else { delete chosen[a.id]; }
        });
        var label = el("label", null, a.name + "（" + a.id + "）");
        label.htmlFor = tick.id;
        var row = el("div", "choice");
        row.appendChild(tick);
        row.appendChild(label);
        list.appendChild(row);
      });
      if (!list.firstChild) { list.appendChild(el("p", "muted", "先在上面查找事项，再勾选。")); }
    }
    show([]);
    var node = el("div", "fix");
    node.appendChild(box);
    node.appendChild(button("two-affairs", "归为涉及几项的问题，请群众选择", function () {
      var ids = Object.keys(chosen);
      if (ids.length < 2) { refuse(out, "请先查找并勾选两项或更多事项。"); return; }
      send("/api/maintain/two-affairs", { question: q.text, affairs: ids }, out, item);
    }));
    return { node: node, show: show };
  }

  function renderQuestions(list, questions, fixable) {
    clear(list);
    if (!questions.length) { list.appendChild(el("li", "muted", "暂时没有。")); }
    questions.forEach(function (q, i) {
      var item = el("li", "question-item");
      item.appendChild(el("p", "question-text", q.text));
      item.appendChild(el("p", "muted", "出现 " + q.count + " 次" + (q.affair ? "，事项 " + q.affair : "") +
        (q.last_seen ? "，最近 " + q.last_seen.slice(0, 16).replace("T", " ") : "")));
      if (fixable) { fixControls(q, item, list.id + "-" + i); }
      list.appendChild(item);
    });
  }

  function loadAll() {
    var failed = null;
    function note(error) { failed = failed || error; }
    var jobs = [
      staff.api("GET", "/api/ratings").then(renderRatings, note),
      staff.api("GET", "/api/analytics/daily").then(renderDaily, note),
      (maintainer && (topics === null || umbrellas === null) ? Promise.all([
        staff.api("GET", "/api/maintain/topics").then(function (d) { topics = d.topics || []; }, note),
        staff.api("GET", "/api/maintain/umbrellas").then(function (d) { umbrellas = d.umbrellas || []; }, note)
      ]) : Promise.resolve()).then(function () {
        return staff.api("GET", "/api/analytics/questions?kind=unresolved").then(function (d) {
          renderQuestions($("unresolved"), d.questions, maintainer);
        }, note);
      }),
      staff.api("GET", "/api/analytics/questions?kind=low_rated").then(function (d) {
        renderQuestions($("low-rated"), d.questions, false);
      }, note)
    ];
    return Promise.all(jobs).then(function () {
      if (failed && failed.status === 403) {
        $("board").hidden = true;
        page.show("抱歉，您的账号没有查看统计和维护知识库的权限。如需开通，请联系管理员。");
      } else if (failed && failed.status !== 401) {
        page.show(staff.errorText(failed));
      }
    });
  }

  $("refresh").addEventListener("click", function () {
    var status = $("refresh-status");
    status.textContent = "正在从对话记录刷新统计……";
    staff.api("POST", "/api/analytics/refresh").then(function (data) {
      var r = data.report;
      return loadAll().then(function () {  // "refreshed" only once the tables and lists show the new figures
        status.textContent = "已刷新：读取事件 " + r.events + " 条，新对话 " + r.sessions_started + " 个，新的未解决问题 " +
          r.unresolved + " 次。";
      });
    }, function (error) { status.textContent = staff.errorText(error); });
  });

  var page = staff.session({
    form: $("login-form"), name: $("login-name"), password: $("login-password"), loginPanel: $("login"),
    app: $("board"), who: $("who"), logout: $("logout"), notice: $("notice"),
    onLogout: function () { topics = null; umbrellas = null; },
    onLogin: function (user) {
      maintainer = staff.hasRole(user, ["maintainer"]);
      topics = null;
      umbrellas = null;
      loadAll();
    }
  });
})();
