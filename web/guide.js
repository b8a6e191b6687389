// The structured full guide ("onevisit.guide", version 1): a card with a materials checklist, the hall, the facts as
// labelled rows, and copy and print. Every string from the server is plain text and is set with textContent.
(function (global) {
  "use strict";
  var TYPE = "onevisit.guide";
  var VERSION = 1;
  var MAP_PREFIX = "https://";
  var counter = 0;

  function str(value) { return typeof value === "string" ? value.trim() : ""; }
  function strings(value) { return Array.isArray(value) ? value.map(str).filter(Boolean) : []; }
  function objects(value) {
    return Array.isArray(value) ? value.filter(function (v) { return v && typeof v === "object"; }) : [];
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function isGuide(custom) {
    return !!custom && custom.type === TYPE && custom.version === VERSION && !!custom.affair &&
      typeof custom.affair.name === "string" && Array.isArray(custom.materials);
  }

  function materialTags(m) {
    var tags = [];
    if (str(m.form)) { tags.push(str(m.form)); }
    if (typeof m.count === "number" && m.count > 0) { tags.push(m.count + " 份"); }
    if (str(m.medium)) { tags.push(str(m.medium)); }
    return tags;
  }

  function materialDetails(m) {
    var details = [];
    if (str(m.needed_when)) { details.push(["when", str(m.needed_when)]); }
    if (str(m["for"])) { details.push(["for", "用于：" + str(m["for"])]); }
    if (str(m.notes)) { details.push(["notes", str(m.notes)]); }
    return details;
  }

  // "0571-87654321、12345" -> the numbers to dial, each with what to show.
  function phoneNumbers(text) {
    return text.split(/[、，,；;\/\s]+/).map(function (part) {
      return { shown: part, dial: part.replace(/[^0-9+]/g, "") };
    }).filter(function (p) { return p.dial.length >= 5; });
  }

  function phoneValue(phone) {
    var dd = el("dd");
    var numbers = phoneNumbers(phone);
    if (!numbers.length) { dd.textContent = phone; return dd; }
    numbers.forEach(function (n, i) {
      if (i) { dd.appendChild(document.createTextNode("、")); }
      var link = el("a", "tel", n.shown);
      link.href = "tel:" + n.dial;
      dd.appendChild(link);
    });
    return dd;
  }

  function section(className, title) {
    var part = el("section", "guide-part " + className);
    part.appendChild(el("h3", null, title));
    return part;
  }

  function bulletList(items, className) {
    var ul = el("ul", className || "plain");
    items.forEach(function (text) { ul.appendChild(el("li", null, text)); });
    return ul;
  }

  function row(dl, label, value) {
    var group = el("div");
    group.appendChild(el("dt", null, label));
    group.appendChild(typeof value === "string" ? el("dd", null, value) : value);
    dl.appendChild(group);
  }

  function checklist(materials, id) {
    var part = section("guide-materials", "需要准备的材料（" + materials.length + " 项）");
    part.appendChild(el("p", "hint", "备好一项，勾选一项。"));
    var ul = el("ul", "checklist");
    materials.forEach(function (m, i) {
      var li = el("li", "material");
      var label = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.id = id + "-m" + i;
      label.htmlFor = box.id;
      label.appendChild(box);
      label.appendChild(el("span", "material-name", str(m.name)));
      li.appendChild(label);
      var tags = materialTags(m);
      if (tags.length) {
        var tagLine = el("p", "tags");
        tags.forEach(function (t) { tagLine.appendChild(el("span", "tag", t)); });
        li.appendChild(tagLine);
      }
      materialDetails(m).forEach(function (d) { li.appendChild(el("p", "material-" + d[0], d[1])); });
      ul.appendChild(li);
    });
    part.appendChild(ul);
    return part;
  }

  // What office_text says beyond the hall's name (e.g. that a city's centre is listed for the district).
  function officeRemark(office, officeText) {
    var first = officeText.split("\n")[0];
    var prefix = "办理地点：" + str(office.name);
    var rest = first.indexOf(prefix) === 0 ? first.slice(prefix.length).trim() : "";
    return rest.replace(/^（(.*)）$/, "$1");
  }

  function officeCard(office, officeText) {
    var part = section("guide-office", "办理地点");
    if (!office || typeof office !== "object" || !str(office.name)) {
      part.appendChild(el("p", "office-text", officeText.replace(/^办理地点：/, "")));
      return part;
    }
    var card = el("div", "office-card");
    card.appendChild(el("p", "office-name", str(office.name)));
    var remark = officeRemark(office, officeText);
    if (remark) { card.appendChild(el("p", "office-remark", remark)); }
    var dl = el("dl", "office-facts");
    row(dl, "地址", str(office.address) || "暂未收录");
    if (str(office.window)) { row(dl, "窗口", str(office.window)); }
    row(dl, "办公时间", str(office.hours) || "暂未收录");
    var phone = phoneValue(str(office.phone) || "12345");
    if (!str(office.phone)) { phone.insertBefore(document.createTextNode("暂未收录，可拨打 "), phone.firstChild); }
    row(dl, "电话", phone);
    if (str(office.booking)) { row(dl, "预约", str(office.booking)); }
    card.appendChild(dl);
    var map = str(office.map_url);
    if (map.indexOf(MAP_PREFIX) === 0) {
      var link = el("a", "map-link", "在地图上查看（新窗口打开）");
      link.href = map;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      card.appendChild(link);
    }
    if (str(office.note)) { card.appendChild(el("p", "office-note", str(office.note))); }
    part.appendChild(card);
    return part;
  }

  function officeLines(office, officeText, withMap) {
    if (!office || typeof office !== "object" || !str(office.name)) { return [officeText]; }
    var lines = ["办理地点：" + str(office.name)];
    var remark = officeRemark(office, officeText);
    if (remark) { lines.push("  " + remark); }
    lines.push("  地址：" + (str(office.address) || "暂未收录"));
    if (str(office.window)) { lines.push("  窗口：" + str(office.window)); }
    lines.push("  办公时间：" + (str(office.hours) || "暂未收录"));
    lines.push("  电话：" + (str(office.phone) || "暂未收录，可拨打 12345"));
    if (str(office.booking)) { lines.push("  预约：" + str(office.booking)); }
    if (withMap && str(office.map_url).indexOf(MAP_PREFIX) === 0) { lines.push("  地图：" + str(office.map_url)); }
    if (str(office.note)) { lines.push("  " + str(office.note)); }
    return lines;
  }

  // The guide as plain text: for the clipboard, or (spoken) for reading aloud, without the map's web address.
  function text(g, spoken) {
    var affair = g.affair || {};
    var lines = [str(affair.name) + (str(affair.department) ? "（" + str(affair.department) + "）" : "")];
    if (str(g.situation)) { lines.push("您的情况：" + str(g.situation)); }
    strings(g.notices).forEach(function (n) { lines.push("请注意：" + n); });
    var conditions = strings(g.conditions);
    if (conditions.length) { lines.push("受理条件：" + conditions.join("；")); }
    var materials = objects(g.materials);
    lines.push("需要准备的材料（" + materials.length + " 项）：");
    materials.forEach(function (m, i) {
      var tags = materialTags(m);
      var line = (i + 1) + ". " + str(m.name) + (tags.length ? "（" + tags.join("，") + "）" : "");
      var details = materialDetails(m).map(function (d) { return d[1]; });
      lines.push(line + (details.length ? "：" + details.join("；") : ""));
    });
    var exempt = objects(g.exempt);
    if (exempt.length) {
      lines.push("无需提供（窗口通过数据共享核验）：");
      exempt.forEach(function (x) { lines.push("· " + str(x.name) + (str(x.reason) ? "（" + str(x.reason) + "）" : "")); });
    }
    objects(g.choices).forEach(function (c) {
      lines.push(str(c.label) + "（任选其一）：" + strings(c.options).join("；"));
    });
    lines = lines.concat(officeLines(g.office, str(g.office_text), !spoken));
    objects(g.rows).forEach(function (r) { lines.push(str(r.label) + "：" + str(r.value)); });
    var bundle = strings(g.bundle);
    if (bundle.length) { lines.push("一次办齐：" + bundle.join("、")); }
    var notes = strings(g.notes);
    if (notes.length) {
      lines.push("注意事项：");
      notes.forEach(function (n) { lines.push("· " + n); });
    }
    if (str(g.provenance)) { lines.push(str(g.provenance)); }
    return lines.join("\n");
  }

  function copyText(value) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(value).catch(function () { return copyByCommand(value); });
    }
    return copyByCommand(value);
  }

  function copyByCommand(value) {
    var area = el("textarea", "copy-buffer");
    area.value = value;
    area.setAttribute("readonly", "");
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  // The guide that printing shows: the latest one, or the one whose print button was pressed.
  function markForPrint(card) {
    Array.prototype.forEach.call(document.querySelectorAll(".print-target"), function (node) {
      node.classList.remove("print-target");
    });
    card.classList.add("print-target");
  }

  function actions(card, plain) {
    var bar = el("div", "guide-actions");
    var copy = el("button", "guide-copy", "复制指南");
    copy.type = "button";
    var feedback = el("span", "guide-feedback");
    feedback.setAttribute("role", "status");
    copy.addEventListener("click", function () {
      copyText(plain).then(function () {
        feedback.textContent = "已复制，可以粘贴到短信或备忘录。";
      }, function () {
        feedback.textContent = "没能复制，请长按文字自行选择复制。";
      });
    });
    var print = el("button", "guide-print", "打印指南");
    print.type = "button";
    print.addEventListener("click", function () {
      markForPrint(card);
      global.print();
    });
    bar.appendChild(copy);
    bar.appendChild(print);
    bar.appendChild(feedback);
    return bar;
  }

  // {element, text, speech} for a guide payload, or null when it is not one this page understands.
  function render(g) {
    if (!isGuide(g)) { return null; }
    counter += 1;
    var id = "guide-" + counter;
    var affair = g.affair;
    var plain = text(g);
    var card = el("article", "guide");
    card.setAttribute("aria-labelledby", id + "-title");

    var head = el("div", "guide-head");
    var title = el("h2", "guide-title", str(affair.name));
    title.id = id + "-title";
    head.appendChild(title);
    if (str(affair.department)) { head.appendChild(el("p", "guide-department", "主管部门：" + str(affair.department))); }
    if (str(g.situation)) { head.appendChild(el("p", "guide-situation", "您的情况：" + str(g.situation))); }
    strings(g.notices).forEach(function (n) { head.appendChild(el("p", "guide-notice", "请注意：" + n)); });
    card.appendChild(head);

    var conditions = strings(g.conditions);
    if (conditions.length) {
      var who = section("guide-conditions", "受理条件");
      who.appendChild(bulletList(conditions));
      card.appendChild(who);
    }
    card.appendChild(checklist(objects(g.materials), id));

    var exempt = objects(g.exempt);
    if (exempt.length) {
      var held = section("guide-exempt", "无需提供");
      held.appendChild(el("p", "hint", "以下材料窗口通过数据共享直接核验，不用带。"));
      var ul = el("ul", "exempt-list");
      exempt.forEach(function (x) {
        var li = el("li");
        li.appendChild(el("span", "exempt-name", str(x.name)));
        if (str(x.reason)) { li.appendChild(el("span", "exempt-reason", "：" + str(x.reason))); }
        ul.appendChild(li);
      });
      held.appendChild(ul);
      card.appendChild(held);
    }

    var choices = objects(g.choices);
    if (choices.length) {
      var pick = section("guide-choices", "到窗口时任选其一");
      var dlc = el("dl", "choices");
      choices.forEach(function (c) { row(dlc, str(c.label), strings(c.options).join(" / ")); });
      pick.appendChild(dlc);
      card.appendChild(pick);
    }

    card.appendChild(officeCard(g.office, str(g.office_text)));

    var rows = objects(g.rows).filter(function (r) { return str(r.label); });
    if (rows.length) {
      var facts = section("guide-facts", "办理须知");
      var dl = el("dl", "rows");
      rows.forEach(function (r) { row(dl, str(r.label), str(r.value)); });
      facts.appendChild(dl);
      card.appendChild(facts);
    }

    var bundle = strings(g.bundle);
    if (bundle.length) {
      var parts = section("guide-bundle", "这件事一次办齐");
      parts.appendChild(bulletList(bundle));
      card.appendChild(parts);
    }

    var notes = strings(g.notes);
    if (notes.length) {
      var mind = section("guide-notes", "注意事项");
      mind.appendChild(bulletList(notes));
      card.appendChild(mind);
    }

    if (str(g.provenance)) { card.appendChild(el("p", "guide-provenance", str(g.provenance))); }
    card.appendChild(actions(card, plain));
    markForPrint(card);  // the newest guide is the one printing shows
    return { element: card, text: plain, speech: text(g, true) };
  }

  global.OneVisit = global.OneVisit || {};
  global.OneVisit.guide = { render: render, text: text, isGuide: isGuide };
})(window);
