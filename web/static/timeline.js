// The child's timeline: vis-timeline lanes per agency, plan bands, the harm index and the detail panel.
// Every string from the data is put into the page with textContent (never innerHTML): names, summaries
// and codes are shown as typed, whatever characters they hold. No inline script (CSP): this file is
// loaded with `defer` and fetches its data as JSON.
(function () {
  "use strict";

  var container = document.getElementById("timeline");
  if (!container || !window.vis) {
    return;
  }
  var detail = document.getElementById("event-detail");
  var drawer = document.getElementById("event-drawer");
  var itemsSet = null;
  var groupsSet = null;
  var chosen = {};  // agencies ticked in the key: none ticked shows every agency
  var collapsed = {};  // agencies whose lane is folded to its count
  var eventBase = container.getAttribute("data-event-base");
  var detailBase = container.getAttribute("data-detail-base");
  var timeline = null;
  var graph = null;
  var payload = null;
  var byCluster = {};

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function shorten(text, size) {
    text = String(text || "");
    return text.length > size ? text.slice(0, size - 1) + "…" : text;
  }

  function itemContent(item) {
    var box = el("span", null, "app-item__content");
    if (item.isCluster) {
      box.appendChild(el("span", (item.items ? item.items.length : "") + " events", "app-item__count"));
      return box;
    }
    if (item.isPlan) {
      box.appendChild(el("span", item.label, "app-plan__label"));
      return box;
    }
    if (item.significant) {
      box.appendChild(el("span", "★", "app-item__mark"));
      box.appendChild(el("span", "significant", "govuk-visually-hidden"));
    }
    if (item.cluster) {
      box.appendChild(el("span", "◆ " + item.cluster, "app-item__cluster"));
    }
    box.appendChild(el("span", item.label || item.eventType, "app-item__text"));
    if (item.age) {  // after the label: what the event is leads, the child's age follows
      box.appendChild(el("span", " [" + item.age + "]", "app-item__age"));
    }
    box.title = item.label || "";  // an attribute, set as text: the whole label when the box cuts it
    if (item.annotated) {
      box.appendChild(el("span", "✎", "app-item__mark"));
      box.appendChild(el("span", "annotated", "govuk-visually-hidden"));
    }
    if (item.dimmed) {
      box.appendChild(el("span", " (" + item.agency + ": linked report of the same incident)", "govuk-visually-hidden"));
    }
    return box;
  }

  function countWords(count) {
    return count + (count === 1 ? " event" : " events");
  }

  function groupContent(group) {
    var box = el("span", null, "app-lane__box");
    if (group.agency !== undefined) {
      box.setAttribute("data-agency", group.agency);  // a service lane names no agency: it is counted with its parent's
    }
    box.appendChild(el("span", group.label || "Agency not recorded", "app-lane__label"));
    if (typeof group.count === "number") {
      box.appendChild(el("span", " — " + countWords(group.count), "app-lane__count"));
    }
    return box;
  }

  // The colour key, the agency filter and each lane's collapse button, one row per agency lane.
  function drawKey(groups) {
    var list = document.getElementById("agency-key");
    list.textContent = "";
    groups.filter(function (group) { return group.agency !== undefined; }).forEach(function (group, index) {
      var li = el("li", null, "app-lanes__item");
      li.setAttribute("data-agency", group.agency);
      li.appendChild(el("span", null, "app-legend__swatch app-agency-swatch-" + group.colour));
      var box = el("span", null, "govuk-checkboxes__item app-lanes__check");
      var input = el("input", null, "govuk-checkboxes__input");
      input.type = "checkbox";
      input.id = "lane-filter-" + index;
      input.name = "lane-filter";
      input.value = group.agency;
      input.addEventListener("change", function () {
        if (input.checked) {
          chosen[group.agency] = true;
        } else {
          delete chosen[group.agency];
        }
        render();
      });
      var label = el("label", group.label + " — " + countWords(group.count), "govuk-label govuk-checkboxes__label");
      label.htmlFor = input.id;
      box.appendChild(input);
      box.appendChild(label);
      li.appendChild(box);
      var toggle = el("button", "Collapse", "govuk-button govuk-button--secondary app-lanes__toggle");
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "true");
      toggle.setAttribute("data-lane", group.agency);
      toggle.setAttribute("data-label", group.label);
      toggle.appendChild(el("span", " the " + group.label + " lane", "govuk-visually-hidden"));
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        if (open) {
          delete collapsed[group.agency];
        } else {
          collapsed[group.agency] = true;
        }
        if (group.nestedGroups) {
          groupsSet.update({ id: group.id, showNested: open });
        } else {
          groupsSet.update({ id: group.id, className: group.className + (open ? "" : " app-lane--collapsed") });
        }
      });
      li.appendChild(toggle);
      list.appendChild(li);
    });
    document.getElementById("timeline-lanes").hidden = false;
  }

  // Whether a lane is open: kept on its button (vis also toggles nested lanes from the lane's label).
  function syncToggles(event, properties) {
    (properties && properties.items ? properties.items : []).forEach(function (id) {
      var group = groupsSet.get(id);
      if (!group || group.agency === undefined) {
        return;
      }
      if (group.nestedGroups) {
        if (group.showNested === false) {
          collapsed[group.agency] = true;
        } else {
          delete collapsed[group.agency];
        }
      }
      var toggle = document.querySelector("button[data-lane='" + CSS.escape(group.agency) + "']");
      if (!toggle) {
        return;
      }
      var open = !collapsed[group.agency];
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.firstChild.textContent = open ? "Collapse" : "Expand";
      document.getElementById("lanes-status").textContent = group.label + (open ? " lane expanded" : " lane collapsed: " + countWords(group.count));
    });
    render();
  }

  // The window's items under the agency filter: the chosen agencies' events, other agencies' reports
  // of the same incidents dimmed, the rest hidden.
  function filtered(list) {
    var agencies = Object.keys(chosen);
    var colours = {};
    var laneAgency = {};  // a lane's id -> its agency, so "N events: zoom in" boxes follow their lane
    groupsSet.forEach(function (group) {
      if (group.agency !== undefined) {
        colours[group.agency] = group.colour;
        laneAgency[group.id] = group.agency;
        (group.nestedGroups || []).forEach(function (id) { laneAgency[id] = group.agency; });
      }
    });
    list = list.map(function (item) {
      return item.agency === undefined && laneAgency[item.group] !== undefined ? Object.assign({ agency: laneAgency[item.group], isCount: true }, item) : item;
    });
    var linked = {};
    list.forEach(function (item) {
      if (item.cluster && chosen[item.agency]) {
        linked[item.cluster] = true;
      }
    });
    return list.filter(function (item) {
      return !collapsed[item.agency];  // a collapsed lane is one line: its name and count
    }).map(function (item) {
      var shown = Object.assign({}, item);
      if (item.agency !== undefined && colours[item.agency] !== undefined) {
        shown.className = (item.className || "") + " app-agency-" + colours[item.agency];
      }
      if (!agencies.length || chosen[item.agency] || item.agency === undefined) {
        return shown;
      }
      if (item.isCount) {
        return null;  // a count box of another agency cannot say whether its events are linked
      }
      if (item.cluster && linked[item.cluster]) {
        shown.dimmed = true;
        shown.className += " app-item--dimmed";
        return shown;
      }
      return null;
    }).filter(Boolean);
  }

  function render() {
    var keep = itemsSet.getIds({ filter: function (item) { return !item.isPlan; } });
    itemsSet.remove(keep);
    itemsSet.add(filtered(windowItems(payload.window)));
  }

  function row(list, label, value) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) {
      return;
    }
    var wrap = el("div", null, "govuk-summary-list__row");
    wrap.appendChild(el("dt", label, "govuk-summary-list__key"));
    var dd = el("dd", Array.isArray(value) ? value.join("; ") : value, "govuk-summary-list__value app-pre");
    wrap.appendChild(dd);
    list.appendChild(wrap);
  }

  function section(parent, title) {
    parent.appendChild(el("h3", title, "govuk-heading-s"));
  }

  function showDetail(id) {
    fetchJson(detailBase + String(Number(id))).then(renderDetail, function () { renderDetail(null); });
  }

  function openDrawer() {
    var wasHidden = drawer.hidden;
    drawer.hidden = false;
    if (wasHidden) {
      drawer.focus();
    }
  }

  function closeDrawer() {
    if (drawer.hidden) {
      return;
    }
    drawer.hidden = true;
    if (timeline) {
      timeline.setSelection([]);
    }
    history.replaceState(null, "", window.location.pathname + window.location.search);
    container.focus();
  }

  function renderDetail(event) {
    detail.textContent = "";
    openDrawer();
    if (!event) {
      detail.appendChild(el("p", "This event is not in the current view.", "govuk-body"));
      return;
    }
    var title = el("h3", event.eventType + " — " + event.date, "govuk-heading-s");
    title.id = "detail-event-title";
    detail.appendChild(title);
    var record = el("dl", null, "govuk-summary-list govuk-summary-list--no-border app-detail-list");
    record.id = "detail-record";
    row(record, "Date", event.date + (event.time ? " " + event.time : ""));
    row(record, "End", event.end);
    row(record, "Age", event.age);
    row(record, "Agency", event.agency);
    row(record, "Source", event.source);
    row(record, "Categories", event.categories);
    row(record, "Risk themes", event.themeWords);
    row(record, "Summary", event.summary);
    row(record, "Impact on the child", event.impactOnChild);
    row(record, "Action and outcome", event.actionOutcome);
    row(record, "Agency analysis", event.analysis);
    row(record, "Significant", (event.significant ? "yes" : "no") +
      (event.significant !== event.significantRecorded ? " (agency recorded " + (event.significantRecorded ? "yes" : "no") + ")" : ""));
    row(record, "Child's voice", event.childVoice);
    row(record, "References", event.references);
    row(record, "Incident", event.cluster);
    row(record, "Episode", event.episode);
    event.fields.forEach(function (field) {
      row(record, field.label, field.value);
    });
    detail.appendChild(record);

    section(detail, "People");
    if (event.persons.length) {
      var people = el("ul", null, "govuk-list govuk-list--bullet");
      people.id = "detail-people";
      event.persons.forEach(function (person) {
        people.appendChild(el("li", person.display));
      });
      detail.appendChild(people);
    } else {
      detail.appendChild(el("p", "No one else named.", "govuk-body-s"));
    }

    section(detail, "Linked events");
    if (event.links.length) {
      var links = el("ul", null, "govuk-list govuk-list--bullet");
      links.id = "detail-links";
      event.links.forEach(function (link) {
        var item = el("li");
        var button = el("button", [link.otherDate, link.otherAgency, shorten(link.otherSummary, 60)].filter(Boolean).join(" · "), "app-link-button");
        button.type = "button";
        button.addEventListener("click", function () {
          select(link.other, true);
        });
        item.appendChild(button);
        item.appendChild(el("span", " — " + link.kind + ": " + link.reason));
        links.appendChild(item);
      });
      detail.appendChild(links);
    } else {
      detail.appendChild(el("p", "No links found.", "govuk-body-s"));
    }

    section(detail, "Where it came from");
    var source = el("dl", null, "govuk-summary-list govuk-summary-list--no-border app-detail-list");
    source.id = "detail-provenance";
    var p = event.provenance;
    row(source, "System", p.system);
    row(source, "File", p.file);
    row(source, "Row", p.row);
    row(source, "Sheet", p.sheet);
    row(source, "Record", p.record);
    row(source, "Import", p.batch);
    detail.appendChild(source);

    section(detail, "Annotations");
    var notes = el("ul", null, "govuk-list");
    notes.id = "detail-annotations";
    event.annotations.forEach(function (note) {
      var text = note.kind_words + (note.kind === "significance" ? ": " + (note.significant ? "significant" : "not significant") : "") +
        (note.text ? " — " + note.text : "");
      var li = el("li", text, "app-note app-pre");
      li.appendChild(el("span", " (by " + note.author + " on " + note.created_at.slice(0, 10) + ")", "govuk-body-s"));
      notes.appendChild(li);
    });
    if (!event.annotations.length) {
      notes.appendChild(el("li", "No annotations yet.", "govuk-body-s"));
    }
    detail.appendChild(notes);
    var open = el("a", "Open this event in full and annotate it", "govuk-link");
    open.id = "detail-open";
    open.href = eventBase + String(Number(event.id));
    detail.appendChild(open);
  }

  function select(id, focus) {
    var item = payload.window.items.find(function (candidate) { return candidate.id === id; });
    var ids = item && item.cluster ? byCluster[item.cluster] : [id];
    timeline.setSelection(ids, focus ? { focus: true, animation: false } : undefined);
    showDetail(id);
  }

  function bands(plans) {
    return plans.filter(function (plan) { return plan.start && plan.end; }).map(function (plan, index) {
      return {
        id: "plan-" + index,
        start: plan.start,
        end: plan.end,
        type: "background",
        isPlan: true,
        label: plan.label + (plan.startAge ? " (from age " + plan.startAge + ")" : ""),
        className: "app-plan app-plan--" + plan.kind,
      };
    });
  }

  function showCount(data) {
    var count = document.getElementById("shown-count");
    var filters = count.getAttribute("data-filters");
    count.textContent = "Showing " + data.shown + " of " + data.total + " events" + (filters ? " (" + filters + ")" : "") + ".";
  }

  function windowItems(view) {
    return view.items.concat(view.counts.map(function (count) {
      return { id: count.id, group: count.group, start: count.start, end: count.end, type: "range", label: count.count + " events: zoom in", className: "app-item app-count" };
    }));
  }

  // As the user zooms or moves, ask for the visible window: items when few enough, else counts.
  var asked = null;
  function follow(items) {
    timeline.on("rangechanged", function (properties) {
      if (!properties.byUser) {
        return;
      }
      clearTimeout(asked);
      asked = setTimeout(function () {
        var url = new URL(container.getAttribute("data-url"), window.location.href);
        url.searchParams.set("start", properties.start.toISOString().slice(0, 10));
        url.searchParams.set("end", properties.end.toISOString().slice(0, 10));
        fetchJson(url.toString()).then(function (view) {
          payload.window = view;
          render();
        });
      }, 250);
    });
  }

  function draw(data) {
    payload = data;
    showCount(data);
    container.textContent = "";
    var undated = document.getElementById("timeline-undated");
    if (data.undated) {
      undated.textContent = data.undated + " events have no usable date: they are in the table view only.";
      undated.hidden = false;
    }
    var shown = windowItems(data.window);
    if (!shown.length) {
      container.appendChild(el("p", "No dated events match these filters.", "govuk-body"));
      container.setAttribute("data-state", "empty");
      return;
    }
    data.window.items.forEach(function (item) {
      if (item.cluster) {
        (byCluster[item.cluster] = byCluster[item.cluster] || []).push(item.id);
      }
    });
    var groups = new vis.DataSet(data.groups.map(function (group) {
      return Object.assign({ content: "" }, group);
    }));
    groupsSet = groups;
    var items = new vis.DataSet([]);
    itemsSet = items;
    render();
    drawKey(data.groups);
    groups.on("update", syncToggles);
    var first = Date.parse(data.extent.start);
    var last = Date.parse(data.extent.end);
    var pad = Math.max((last - first) * 0.03, 7 * 864e5);
    var options = {
      template: itemContent,
      type: "point",
      groupTemplate: groupContent,
      stack: true,
      orientation: { axis: "top" },
      zoomKey: "ctrlKey",
      horizontalScroll: false,
      verticalScroll: false,
      groupHeightMode: "auto",
      zoomMin: 864e5 * 3,
      start: new Date(first - pad),
      end: new Date(last + pad),
      min: new Date(first - 365 * 864e5),
      max: new Date(last + 365 * 864e5),
      cluster: { maxItems: 3, titleTemplate: "{count} events: zoom in to see them", showStipes: true },
      tooltip: { followMouse: false },
      margin: { item: { horizontal: 2, vertical: 2 }, axis: 4 },
    };
    timeline = new vis.Timeline(container, items, groups, options);
    follow(items);
    timeline.on("select", function (properties) {
      var id = properties.items[0];
      if (typeof id === "number") {
        select(id, false);
        history.replaceState(null, "", "#event-" + id);  // the address now shares this event too
      }
    });
    var linked = /^#event-(\d+)$/.exec(window.location.hash);
    if (linked) {
      select(Number(linked[1]), true);
    }
    timeline.once("changed", function () {
      fitFirstScreen(options.cluster, function () {
        performance.mark("timeline-drawn");  // what bench/timeline_render.py reports as the first render
        container.setAttribute("data-state", "drawn");
      });
    });
    fetchJson(container.getAttribute("data-context-url")).then(function (context) {
      items.add(bands(context.plans));
      drawHarm(context.harm, options.start, options.end, options.min, options.max);
      performance.mark("timeline-context-drawn");
      container.setAttribute("data-context", "drawn");
    });
  }

  // The first screen shows every agency: when the lanes run below the window, close events are first
  // grouped into count boxes ("N events: zoom in"), then the tallest lanes fold to their counts, until
  // the timeline fits. The note says which lanes were folded; each one's Expand button opens it.
  var FIT_CLUSTER_STEPS = [2, 1];
  function fits() {
    return container.getBoundingClientRect().bottom + window.scrollY <= window.innerHeight;
  }
  function laneHeights() {
    var heights = {};
    var current = null;  // a service's lane follows its agency's lane and counts towards it
    container.querySelectorAll(".vis-panel.vis-left .vis-label").forEach(function (label) {
      var box = label.querySelector(".app-lane__box");
      if (box && box.hasAttribute("data-agency")) {
        current = box.getAttribute("data-agency");
      }
      if (current !== null) {
        heights[current] = (heights[current] || 0) + label.getBoundingClientRect().height;
      }
    });
    return heights;
  }
  function fitFirstScreen(cluster, done) {
    var steps = FIT_CLUSTER_STEPS.slice();
    var folded = [];
    // Make a change, then go on once vis has drawn it: vis says "changed" when a redraw ends with
    // every lane's height stable (sometimes within the change itself, so it is listened for first).
    // A change that redraws nothing says nothing: a timer stands in for it.
    function settle(change, next) {
      var settled = false;
      var timer = null;
      function go() {
        if (settled) {
          return;
        }
        settled = true;
        window.clearTimeout(timer);
        timeline.off("changed", go);
        window.setTimeout(next, 0);  // out of vis's own call
      }
      timeline.on("changed", go);
      timer = window.setTimeout(go, 250);
      change();
    }
    function finish() {
      var note = document.getElementById("lanes-fitted");
      if (note && folded.length) {
        note.textContent = "To fit the screen, these lanes start folded to their counts: " + folded.join(", ") + ". Use Expand to open one.";
        note.hidden = false;
      }
      done();
    }
    function step() {
      if (fits()) {
        finish();
        return;
      }
      if (steps.length) {
        var maxItems = steps.shift();
        settle(function () {
          timeline.setOptions({ cluster: Object.assign({}, cluster, { maxItems: maxItems }) });
        }, step);
        return;
      }
      var heights = laneHeights();
      var open = Object.keys(heights).filter(function (agency) { return !collapsed[agency]; });
      if (open.length < 2) {
        finish();  // one lane open: folding it too would show nothing; the page scrolls instead
        return;
      }
      open.sort(function (a, b) { return heights[b] - heights[a]; });
      var toggle = document.querySelector('#agency-key button[data-lane="' + CSS.escape(open[0]) + '"]');
      if (!toggle) {
        finish();
        return;
      }
      folded.push(toggle.getAttribute("data-label"));
      settle(function () { toggle.click(); }, step);
    }
    step();
  }

  function drawHarm(points, start, end, min, max) {
    var target = document.getElementById("harm");
    if (!target || !points.length || !vis.Graph2d) {
      return;
    }
    var series = new vis.DataSet(points.map(function (point, index) {
      return { id: index, x: point.date, y: point.index };
    }));
    graph = new vis.Graph2d(target, series, {
      start: start,
      end: end,
      min: min,
      max: max,
      height: "180px",
      drawPoints: { size: 3, style: "circle" },
      shaded: { orientation: "bottom" },
      dataAxis: { left: { range: { min: 0 } } },
      zoomKey: "ctrlKey",
    });
    var syncing = false;
    function follow(source, other) {
      source.on("rangechange", function (properties) {
        if (syncing || !properties.byUser) {
          return;
        }
        syncing = true;
        other.setWindow(properties.start, properties.end, { animation: false });
        syncing = false;
      });
    }
    follow(timeline, graph);
    follow(graph, timeline);
    alignAxes(target);
  }

  // Line the chart's time axis up under the timeline's: both start where their label columns end.
  function alignAxes(target) {
    var lanes = container.querySelector(".vis-panel.vis-left");
    var axis = target.querySelector(".vis-panel.vis-left");
    if (lanes && axis) {
      target.style.marginLeft = Math.max(0, lanes.offsetWidth - axis.offsetWidth) + "px";
      graph.redraw();
    }
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) {
        throw new Error("the server answered " + response.status);
      }
      return response.json();
    });
  }

  container.tabIndex = -1;
  document.getElementById("detail-close").addEventListener("click", closeDrawer);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !drawer.hidden) {
      closeDrawer();
    }
  });

  fetchJson(container.getAttribute("data-url"))
    .then(draw)
    .catch(function (error) {
      container.textContent = "";
      container.appendChild(el("p", "The timeline could not be loaded (" + error.message + "). The table view shows the same events.", "govuk-body"));
      container.setAttribute("data-state", "error");
    });
})();
