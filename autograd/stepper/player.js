// chainrule's walkthrough player: restyles Graphviz SVGs, step by step, by element id.
//
// The page (or notebook output) holds a JSON description of the pictures, the steps and the
// levels, made by autograd/stepper/page.py; this script builds the player from it (so where
// scripts do not run, as in an untrusted notebook, no dead controls are left, only a static
// picture). Each ordinary step lists the values and gradients it reveals; the state after
// step i is found by replaying steps 0..i, so any step can be shown directly. A level lists
// the steps of one group: a number is an ordinary step, an object a module call's step, the
// sum of the ordinary steps first..last, which opens into the level below. No network, no
// libraries. User text (labels, narration) only ever enters the page through textContent.

function chainrulePlayer(root, data, options) {
  "use strict";
  const prefix = data.prefix;
  const view = root.shadowRoot;  // the player's own elements, apart from the host page's
  const part = (name) => view.querySelector('[data-part="' + name + '"]');
  const pictures = [];  // each picture's SVG element, made when first shown
  let answered = new Set();  // steps whose practice question was asked
  let steps = data.steps;  // the steps walked: all of them, or those following one node
  let levels = [];  // the levels, their steps as objects with first..last in `steps`
  let following = null;  // the node followed, or null
  let sample = null;  // the example of a batch stepped, or null
  let level = null;
  let items = new Map();  // node -> the item of the current level that shows it
  let index = 0;
  let pending = null;  // the practice question being asked: its step of this level, its tries
  const score = Object.fromEntries(data.rules.outcomes.map(([key]) =>
    [key, (options && options.score && options.score[key]) || 0]));
  let playing = null;  // the autoplay timer, while playing

  function idPrefix(picture) {
    return picture === 0 ? prefix : prefix + "p" + picture + "-";
  }

  function byId(id) {
    return view.querySelector('[id="' + idPrefix(level.picture) + id + '"]');
  }

  function stepAt(i) {
    return level.steps[i];
  }

  function ordinary(k) {
    // the level step of ordinary step k, which is a step of its own
    const step = steps[k];
    return { first: k, last: k, kind: step.kind, title: step.title, lines: step.lines,
             opens: null, item: null, ordinary: step };
  }

  // --- all the steps, or those following one node -------------------------------------------

  function whole() {
    following = sample = null;
    steps = data.steps;
    levels = data.levels.map((lv) => ({ ...lv, steps: lv.steps.map((entry) =>
      typeof entry === "number" ? ordinary(entry) : { ...entry, ordinary: null }) }));
    answered = new Set();
  }

  function some(chosen) {
    // Only some of the steps (the model's choice, given as runs of steps: those on the paths
    // from a node, or one example's), with a first and a last step of their own; each level
    // keeps the steps that sum some of them, as restricted() keeps them in Python.
    const kept = [0];
    for (const [first, last] of chosen.kept) for (let k = first; k <= last; k++) kept.push(k);
    kept.push(data.steps.length - 1);
    const own = { grads: [], values: [], node: null, edge: null, question: "" };
    steps = kept.map((old, k) => k === 0 ? { ...own, ...chosen.start }
      : k === kept.length - 1 ? { ...own, ...chosen.done } : data.steps[old]);
    const position = new Map(kept.map((old, k) => [old, k]));
    const below = (value) => {  // how many kept steps come before `value`
      let low = 0, high = kept.length;
      while (low < high) { const mid = (low + high) >> 1; if (kept[mid] < value) low = mid + 1; else high = mid; }
      return low;
    };
    levels = [];
    const pending = [[0, null, null]];
    while (levels.length < pending.length) {
      const [old, parent, at] = pending[levels.length];
      const entries = [];
      for (const entry of data.levels[old].steps) {
        if (typeof entry === "number") {
          if (position.has(entry)) entries.push(ordinary(position.get(entry)));
          continue;
        }
        const first = below(entry.first), last = below(entry.last + 1) - 1;
        if (first > last) continue;
        entries.push({ ...entry, first: first, last: last, opens: pending.length, ordinary: null });
        pending.push([entry.opens, levels.length, entries.length - 1]);
      }
      levels.push({ ...data.levels[old], parent: parent, at: at, steps: entries });
    }
    answered = new Set();
  }

  function switchTo(choice) {
    // Follow a node ({follow: id}), step one example ({sample: k}) or every step (null),
    // from the top level's first step.
    whole();
    if (playing !== null) stop();
    if (choice && choice.follow !== undefined) {
      some(data.follow[choice.follow]);
      following = choice.follow;
    } else if (choice && choice.sample !== undefined) {
      some(data.samples[choice.sample]);
      sample = choice.sample;
    }
    const note = part("following");
    note.replaceChildren();
    note.hidden = !choice;
    if (choice) {
      const count = (steps.length - 2) + " of the " + (data.steps.length - 2) + " steps";
      note.appendChild(document.createTextNode(following !== null
        ? "Following " + data.nodes[following].name + ": " + count + ", those on its paths " +
          "to " + data.nodes[data.nodes.length - 1].name + ". "
        : "Sample " + sample + ": " + count + ", this example's. "));
      const all = chainruleElement("button", { type: "button", class: "cr-crumb",
                                               text: "all steps", title: "every step again" });
      all.addEventListener("click", () => switchTo(null));
      note.appendChild(all);
    }
    part("follow").value = following === null ? "" : data.nodes[following].name;
    part("sample").value = sample === null ? "" : String(sample);
    enter(0, 0);
  }

  // --- state after a step -------------------------------------------------------------------

  function stateAt(i) {
    const values = new Array(data.nodes.length).fill(null);
    const grads = new Array(data.nodes.length).fill(null);
    const updated = new Set();  // parameters an optimizer step has moved
    for (let s = 0; s <= i; s++) {
      for (const [id, text] of steps[s].values) {
        values[id] = text;
        if (steps[s].kind === "update") updated.add(id);
      }
      for (const grad of steps[s].grads) grads[grad[0]] = grad;
    }
    return { values, grads, updated };
  }

  // --- levels -------------------------------------------------------------------------------

  function enter(id, i) {
    // Show level `id` at its step i: its picture in the graph box, with its own names.
    const changed = !level || levels[id].picture !== level.picture;
    level = levels[id];
    if (!pictures[level.picture]) pictures[level.picture] = chainrulePicture(data, level.picture);
    const box = view.querySelector(".cr-graph");
    if (changed || box.firstChild !== pictures[level.picture]) {
      box.replaceChildren(pictures[level.picture]);
      chainruleFit(root);
    }
    items = new Map();
    level.nodes.forEach((node, j) => { if (!Array.isArray(node)) items.set(node, j); });
    level.texts.forEach((text, j) => {
      const name = byId("n" + j + "-name");
      if (name && name.textContent !== text) name.textContent = text;
    });
    level.locals.forEach((texts, j) => texts.forEach((text, k) => {
      const local = byId("e" + j + "_" + k + "-local");  // the local derivative on an edge
      if (local && local.textContent !== text) local.textContent = text;
    }));
    crumbs();
    part("slider").max = String(level.steps.length - 1);
    show(i);
  }

  function open() {
    const step = stepAt(index);
    if (step.opens !== null) enter(step.opens, 0);
  }

  function up() {
    if (level.parent !== null) enter(level.parent, level.at);
  }

  function locate(ordinary) {  // (an index in `steps`)
    // The deepest level where ordinary step `ordinary` is a step of its own.
    let id = 0;
    for (;;) {
      const found = levels[id].steps.findIndex((entry) =>
        entry.first <= ordinary && ordinary <= entry.last);
      if (found < 0) return null;
      if (levels[id].steps[found].opens === null) return enter(id, found);
      id = levels[id].steps[found].opens;
    }
  }

  function crumbs() {
    const box = part("crumbs");
    const path = [];
    for (let id = levels.indexOf(level); id !== null; id = levels[id].parent) path.unshift(id);
    box.replaceChildren();
    box.hidden = levels.length === 1;
    path.forEach((id, k) => {
      const count = levels[id].steps.length;
      const text = levels[id].name + " (" + count + (count === 1 ? " step)" : " steps)");
      if (k > 0) box.appendChild(document.createTextNode(" \u203a "));
      if (k === path.length - 1) {
        box.appendChild(chainruleElement("span", { class: "cr-here", text: text }));
      } else {
        const below = levels[path[k + 1]];
        const link = chainruleElement("button", { type: "button", class: "cr-crumb", text: text,
                                                  title: "back to this level" });
        link.addEventListener("click", () => enter(id, below.at));
        box.appendChild(link);
      }
    });
  }

  function seqIndex(k) {
    // where step k of the whole walkthrough is among the steps walked (-1: not there)
    return steps.indexOf(data.steps[k]);
  }

  // --- drawing a step -----------------------------------------------------------------------

  function setClass(id, name, on) {
    const element = byId(id);
    if (element) element.classList.toggle(name, on);
  }

  function paintGraph(step, asking) {
    // asking: the step's practice question is up, so the numbers are those known before it,
    // and the asked-for gradient is a ?
    const { values, grads, updated } = stateAt(asking ? step.first - 1 : step.last);
    const shapes = data.pictures[level.picture].items;
    level.nodes.forEach((node, j) => {
      const known = Array.isArray(node) ? node.some((n) => values[n] !== null)
        : values[node] !== null;
      setClass("n" + j, "cr-unknown", !known);
      if (shapes[j].op) {
        setClass("n" + j + "_op", "cr-unknown", !known);
        setClass("e" + j + "_out", "cr-unknown", !known);
      }
      for (let k = 0; k < shapes[j].inputs; k++) setClass("e" + j + "_" + k, "cr-unknown", !known);
      if (!level.numbers[j]) return;
      const dataText = byId("n" + j + "-data");
      if (dataText) dataText.textContent = known ? values[node] : "?";
      const dataCell = byId("n" + j + "-data-cell");
      if (dataCell) dataCell.style.fill = updated.has(node) ? "#fdd49e" : "";
      const gradText = byId("n" + j + "-grad");
      const gradCell = byId("n" + j + "-grad-cell");
      const grad = grads[node];
      if (gradText) {
        gradText.textContent = grad ? grad[1] : "";
        gradText.style.fill = grad ? grad[3] : "#222222";
      }
      if (gradCell) gradCell.style.fill = grad ? grad[2] : "#ffffff";
    });
    for (const element of view.querySelectorAll(".cr-current, .cr-sender, .cr-active, .cr-asked")) {
      element.classList.remove("cr-current", "cr-sender", "cr-active", "cr-asked");
    }
    if (step.item !== null) {  // a module call: its box, and the values it reads
      setClass("n" + step.item, "cr-current", true);
      for (let k = 0; k < shapes[step.item].inputs; k++) {
        setClass("e" + step.item + "_" + k, "cr-active", true);
      }
      reveal(byId("n" + step.item));
      return;
    }
    const ordinary = step.ordinary;
    if (ordinary.node !== null && items.has(ordinary.node)) {
      const j = items.get(ordinary.node);
      setClass("n" + j, "cr-current", true);
      if (asking) {
        setClass("n" + j, "cr-asked", true);
        const gradText = byId("n" + j + "-grad");
        if (gradText) { gradText.textContent = "?"; gradText.style.fill = ""; }
        const gradCell = byId("n" + j + "-grad-cell");
        if (gradCell) gradCell.style.fill = "";
      }
      reveal(byId("n" + j));
    }
    if (ordinary.edge) {
      const [out, , slot] = ordinary.edge;
      const j = items.get(out);
      setClass("n" + j, "cr-sender", true);
      setClass("n" + j + "_op", "cr-active", true);
      setClass("e" + j + "_" + slot, "cr-active", true);
      setClass("e" + j + "_out", "cr-active", true);
    } else if (ordinary.kind === "forward") {
      const j = items.get(ordinary.node);
      setClass("n" + j + "_op", "cr-active", true);
      setClass("e" + j + "_out", "cr-active", true);
      for (let k = 0; k < shapes[j].inputs; k++) setClass("e" + j + "_" + k, "cr-active", true);
    }
  }

  function reveal(element) {
    // Scroll the graph (not the page) so that the step's node is in view.
    const box = view.querySelector(".cr-graph");
    if (!element || !box) return;
    const outer = box.getBoundingClientRect();
    const inner = element.getBoundingClientRect();
    if (inner.left < outer.left) box.scrollLeft -= outer.left - inner.left + 20;
    else if (inner.right > outer.right) box.scrollLeft += inner.right - outer.right + 20;
    if (inner.top < outer.top) box.scrollTop -= outer.top - inner.top + 20;
    else if (inner.bottom > outer.bottom) box.scrollTop += inner.bottom - outer.bottom + 20;
  }

  function fillList(element, lines) {
    element.replaceChildren();
    for (const line of lines) {
      const item = document.createElement("div");
      item.textContent = line;
      element.appendChild(item);
    }
  }

  function show(i, message, asking) {
    // Step i of this level; asking: with its practice question up instead of its narration.
    const focused = view.activeElement;
    index = Math.max(0, Math.min(level.steps.length - 1, i));
    pending = null;
    const step = stepAt(index);
    const last = level.steps.length - 1;
    paintGraph(step, asking);
    part("counter").textContent = "step " + index + " of " + last + " \u00b7 " + phase(step.kind);
    part("title").textContent = asking ? "practice: " + step.ordinary.question : step.title;
    fillList(part("lines"), asking ? [] : step.lines);
    const opens = part("opens");
    opens.hidden = step.opens === null;
    opens.textContent = step.opens === null ? "" : "This step is " +
      levels[step.opens].steps.length + " steps: open it (o or Enter) to go through them.";
    part("question").hidden = true;
    const note = part("message");
    note.textContent = message ? message.text : "";
    note.className = "cr-message" + (message ? " " + message.kind : "");
    part("slider").value = String(index);
    part("prev").disabled = index === 0;
    part("next").disabled = index === last;
    part("open").disabled = step.opens === null;
    part("up").disabled = level.parent === null;
    part("forward").disabled = firstOf(["forward"]) === null;
    part("backward").disabled = firstOf(["seed", "backward"]) === null;
    part("why").replaceChildren();
    showScore();
    keepFocus(focused);
  }

  function showScore() {
    // The running score while practising; at the top level's last step, the summary.
    const box = part("score");
    const asked = Object.values(score).reduce((a, b) => a + b, 0);
    box.hidden = !part("practice").checked || asked === 0;
    const end = level.parent === null && index === level.steps.length - 1;
    box.textContent = (end ? "practice done: " : "score: ") + chainruleSummary(score, data.rules);
  }

  function keepFocus(element) {
    // A button that a step disables (next at the last step), or the answer box it hides, would
    // drop the focus to the page's body, where no key reaches the player: the player keeps it.
    if (element && (element.disabled || element.getClientRects().length === 0)) {
      root.focus({ preventScroll: true });
    }
  }

  function leave() {
    // Escape: the focus goes to the nearest focusable element around the player (in a
    // notebook, its cell), so that the page's own keys work again.
    let place = root.parentElement;
    while (place && !(place.hasAttribute("tabindex") && place.tabIndex >= 0)) {
      place = place.parentElement;
    }
    if (place) place.focus({ preventScroll: true });
    else root.blur();
  }

  function phase(kind) {
    return { start: "start", forward: "forward", seed: "backward", backward: "backward",
             done: "done", update: "update", zero_grad: "update" }[kind] || kind;
  }

  function firstOf(kinds) {
    const found = level.steps.findIndex((_, i) => kinds.includes(stepAt(i).kind));
    return found < 0 ? null : found;
  }

  // --- moving, and practice -----------------------------------------------------------------

  function next() {
    if (pending !== null) { part("answer").focus(); return; }  // answer the question first
    if (index === level.steps.length - 1) return;
    const target = stepAt(index + 1);
    if (part("practice").checked && target.ordinary && target.ordinary.question &&
        !answered.has(target.first)) {
      ask(index + 1);
    } else {
      show(index + 1);
    }
  }

  function ask(i) {
    // Step i, its node and edge marked, its number not shown: the question asks for it.
    stop();
    show(i, null, true);
    pending = { i: i, tries: 0, hinted: false };
    part("question").hidden = false;
    part("prompt").textContent = "Step " + i + ": " + stepAt(i).ordinary.question;
    const input = part("answer");
    input.value = "";
    input.focus();
  }

  function say(kind, typed) {
    // One of practice.py's MESSAGES, filled in as Question._reply fills it in.
    const step = stepAt(pending.i).ordinary;
    return data.rules.messages[kind].replace("{typed}", typed || "")
      .replace("{answer}", step.answerText).replace("{hint}", step.hint);
  }

  function reply(kind, typed) {
    // Settle the question (right, or shown) and show its step, or say why not and ask again;
    // the same turns as practice.Question.answer.
    const settled = kind === "right" || kind === "shown";
    const text = say(kind, typed);
    if (!settled) {
      const note = part("message");
      note.textContent = text;
      note.className = "cr-message " + (kind === "asked_hint" ? "cr-info" : "cr-wrong");
      part("answer").select();
      return;
    }
    const outcome = kind === "shown" ? "shown" : pending.hinted ? "hint"
      : pending.tries === 0 ? "first" : "second";
    score[outcome] += 1;
    answered.add(stepAt(pending.i).first);
    show(pending.i, { kind: kind === "right" ? "cr-right" : "cr-info", text: text });
    root.focus({ preventScroll: true });  // the answer box is gone: keys step on from here
  }

  function check(action) {
    // action: "answer" (what is typed), "hint" or "show"
    if (pending === null) return;
    if (action === "hint") { pending.hinted = true; return reply("asked_hint"); }
    if (action === "show") return reply("shown");
    const typed = part("answer").value.trim();
    if (chainruleReadNumber(typed, data.rules) === null) return reply("not_a_number", typed);
    if (chainruleAccepts(typed, Number(stepAt(pending.i).ordinary.answer), data.rules)) {
      return reply("right");
    }
    pending.tries += 1;
    if (pending.tries === 1 && !pending.hinted) return reply("retry");
    if (!pending.hinted) { pending.hinted = true; return reply("hint"); }
    return reply("shown");
  }

  // --- autoplay -----------------------------------------------------------------------------

  function play() {
    // A step every so often, until the level's last step or a practice question.
    if (playing !== null) return stop();
    if (index === level.steps.length - 1) show(0);
    const tick = () => {
      next();
      if (pending !== null || index === level.steps.length - 1) stop();
      else playing = setTimeout(tick, Number(part("speed").value));
    };
    playing = setTimeout(tick, Number(part("speed").value));
    part("play").textContent = "\u275a\u275a pause";
    part("play").classList.add("cr-playing");
  }

  function stop() {
    if (playing !== null) clearTimeout(playing);
    playing = null;
    part("play").textContent = "\u25b6 play";
    part("play").classList.remove("cr-playing");
  }

  // --- explaining a node --------------------------------------------------------------------

  function why(id) {
    const box = part("why");
    const text = data.explanations[id];
    if (text === undefined) return;
    const { grads } = stateAt(stepAt(index).last);
    const after = steps.slice(stepAt(index).last + 1);
    const done = grads[id] !== null && after.every(
      (s) => !s.grads.some((g) => g[0] === id) || s.kind === "update" || s.kind === "zero_grad");
    const heading = document.createElement("div");
    heading.className = "cr-why-title";
    heading.textContent = "Why " + data.nodes[id].name + ".grad is what it is";
    const body = document.createElement("pre");
    body.textContent = done ? text
      : "Its gradient is not complete yet: step on until every edge out of " +
        data.nodes[id].name + " has sent its gradient back, then click it again.";
    box.replaceChildren(heading, body);
  }

  // --- wiring -------------------------------------------------------------------------------

  function onKey(event) {
    const target = event.composedPath()[0];  // inside the player, not the host element
    if (target && target.tagName === "INPUT" && target.type === "text") {
      if (event.key === "Enter") { check("answer"); event.preventDefault(); }
      return;
    }
    if (target && target.tagName === "INPUT" && target.type === "search") {
      if (event.key === "Enter") {
        if (target === part("jump")) jump(target.value);
        else chosen(target.value);
        event.preventDefault();
      }
      return;
    }
    // Space and Enter press a button or tick a box, and a menu takes every key: theirs
    if (target && target.tagName === "SELECT") return;
    const pressable = target && (target.tagName === "BUTTON" ||
                                 (target.tagName === "INPUT" && target.type === "checkbox"));
    if (pressable && (event.key === " " || event.key === "Enter")) return;
    if (event.key === "Escape") return leave();  // not stopped: the notebook sees it too
    const moves = {
      ArrowRight: next, ArrowDown: next, n: next, " ": next,
      ArrowLeft: () => show(index - 1), ArrowUp: () => show(index - 1), p: () => show(index - 1),
      Home: () => show(0), End: () => show(level.steps.length - 1),
      f: () => { if (firstOf(["forward"]) !== null) show(firstOf(["forward"])); },
      b: () => { if (firstOf(["seed", "backward"]) !== null) show(firstOf(["seed", "backward"])); },
      o: open, Enter: open, u: up, Backspace: up, a: play,
      "!": () => { if (data.firstNonfinite !== null) locate(seqIndex(data.firstNonfinite)); },
    };
    const move = moves[event.key];
    if (move && !event.ctrlKey && !event.metaKey && !event.altKey) {
      move();
      event.preventDefault();
      event.stopPropagation();
    }
  }

  part("prev").addEventListener("click", () => show(index - 1));
  part("next").addEventListener("click", next);
  part("first").addEventListener("click", () => show(0));
  part("forward").addEventListener("click", () => show(firstOf(["forward"])));
  part("backward").addEventListener("click", () => show(firstOf(["seed", "backward"])));
  part("last").addEventListener("click", () => show(level.steps.length - 1));
  part("open").addEventListener("click", open);
  part("up").addEventListener("click", up);
  const nonfinite = part("nonfinite");
  if (data.firstNonfinite === null) nonfinite.remove();
  else nonfinite.addEventListener("click", () => locate(seqIndex(data.firstNonfinite)));
  part("slider").addEventListener("input", (event) => show(Number(event.target.value)));
  part("check").addEventListener("click", () => check("answer"));
  part("hint").addEventListener("click", () => check("hint"));
  part("reveal").addEventListener("click", () => check("show"));
  part("play").addEventListener("click", play);
  part("practice").checked = Boolean(options && options.practice !== undefined
                                     ? options.practice : data.practice);
  if (options && options.speed) part("speed").value = options.speed;
  part("practice").addEventListener("change", () => show(index));
  view.querySelector(".cr-graph").addEventListener("click", (event) => {
    const box = event.target.closest && event.target.closest("g.value");
    if (!box || !view.contains(box)) return;
    const j = Number(box.id.slice(idPrefix(level.picture).length + 1));
    const node = level.nodes[j];
    if (!level.numbers[j]) return;
    part("why").replaceChildren();
    if (data.explanations[node] !== undefined) why(node);
    if (data.follow[node] !== undefined && following !== node) {
      const offer = chainruleElement("button", { type: "button", "data-part": "follow-this",
        text: "follow " + data.nodes[node].name,
        title: "only the steps on its paths to the output, ending with their sum" });
      offer.addEventListener("click", () => switchTo({ follow: node }));
      part("why").appendChild(offer);
    }
  });
  const named = (ids) => {
    // each node by its name, full dotted name and label, as Python's focus= takes them: a
    // name is its node's own; a label that several nodes share, a list to choose from
    const found = new Map(ids.map((id) => [data.nodes[id].name, [Number(id)]]));
    const isName = new Set(found.keys());
    for (const id of ids) {
      for (const other of data.nodes[id].also || []) {
        if (isName.has(other)) continue;
        found.set(other, [...(found.get(other) || []), Number(id)]);
      }
    }
    return found;
  };
  function pick(map, typed, missing) {
    // The one node `typed` names, or null, having said why not.
    const ids = map.get(typed);
    if (ids && ids.length === 1) return ids[0];
    const note = part("message");
    note.className = "cr-message cr-wrong";
    note.textContent = JSON.stringify(typed) + (ids ? " is the label of " + ids.length +
      " nodes (" + ids.slice(0, 6).map((id) => data.nodes[id].name).join(", ") +
      (ids.length > 6 ? " and " + (ids.length - 6) + " more" : "") +
      "): give one of their names" : missing);
    return null;
  }
  const names = named(Object.keys(data.follow));
  function chosen(value) {
    // A name typed (or picked from the list) to follow; "" follows none.
    const typed = value.trim();
    if (typed === "" && following === null) return;
    if (typed === "") return switchTo(null);
    const id = pick(names, typed, " is not an input or a parameter of this graph");
    if (id === null) return;
    if (id !== following) switchTo({ follow: id });
    root.focus({ preventScroll: true });  // the arrows step the followed steps from here
  }
  part("follow").addEventListener("change", (event) => chosen(event.target.value));
  const jumps = named(data.jump);
  function jump(value) {
    // The next step about a node (its value computed, or a gradient sent to it), after this
    // one and then from the start: a breakpoint, as g is in the terminal.
    const typed = value.trim();
    const note = part("message");
    const node = pick(jumps, typed, " is not a named node of this graph");
    if (node === null) return;
    const about = (k) => steps[k].node === node && steps[k].kind !== "done";
    let found = steps.findIndex((_, k) => k > stepAt(index).last && about(k));
    if (found < 0) found = steps.findIndex((_, k) => about(k));
    if (found < 0) {
      note.textContent = typed + " is given: no step " + (following === null && sample === null
        ? "" : "here ") + "computes it or sends it a gradient";
      note.className = "cr-message cr-info";
      return;
    }
    locate(found);
    part("message").textContent = "at " + typed + " (Enter again: its next step)";
    part("message").className = "cr-message cr-info";
  }
  part("sample").addEventListener("change", (event) => switchTo(
    event.target.value === "" ? null : { sample: Number(event.target.value) }));
  const listening = new AbortController();  // what dispose() stops listening to
  root.addEventListener("keydown", onKey, { signal: listening.signal });
  if (options && options.globalKeys) {
    document.addEventListener("keydown", (event) => {
      if (!root.contains(event.target) || event.target === document.body) onKey(event);
    }, { signal: listening.signal });
  }
  if (options && typeof options.primitives === "boolean") {
    part("primitives").checked = options.primitives;
    part("primitives").addEventListener("change", (event) => root.dispatchEvent(
      new CustomEvent("chainrule-form", { detail: { primitives: event.target.checked } })));
  }
  function dispose() {
    // Before the player is built again on the same root (the other form of its graph).
    stop();
    listening.abort();
  }
  const wanted = (options || {});
  switchTo(wanted.follow != null && data.follow[wanted.follow] !== undefined
    ? { follow: wanted.follow }
    : wanted.sample != null && data.samples[wanted.sample] !== undefined
      ? { sample: wanted.sample } : null);
  if (options && options.start) show(options.start);
  return { show, next, open, up, locate, follow: switchTo, dispose,
           get index() { return index; }, get level() { return levels.indexOf(level); },
           get following() { return following; },
           get place() {  // where a rebuild in the other form picks up: the end, or a phase
             return index === level.steps.length - 1 ? "end" : phase(stepAt(index).kind);
           },
           goTo(place) {  // the end, or the first step of the phase
             const found = place === "end" ? level.steps.length - 1
               : level.steps.findIndex((step) => phase(step.kind) === place);
             if (found > 0) show(found);
           },
           get settings() {  // what a rebuild in the other form keeps
             return { practice: part("practice").checked, speed: part("speed").value,
                      score: { ...score } };
           } };
}

// --- building the player's elements ---------------------------------------------------------

function chainruleElement(tag, attributes, children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "text") element.textContent = value;
    else element.setAttribute(name, value);
  }
  for (const child of children || []) element.appendChild(child);
  return element;
}

function chainruleOption(node) {
  // A name to pick in a search box's list, its full dotted name beside it where it has one.
  const option = chainruleElement("option", { value: node.name });
  if (node.also) option.label = node.also[0];
  return option;
}

function chainruleReadNumber(typed, rules) {
  // practice.read_number: the number typed and the decimal place of its last digit (null for
  // nan and the infinities), or null when it is not a number.
  const text = typed.trim();
  if (new RegExp("^(?:" + rules.special + ")$", "i").test(text)) {
    const sign = text.startsWith("-") ? -1 : 1;
    return { value: /nan/i.test(text) ? NaN : sign * Infinity, place: null };
  }
  const match = new RegExp("^(?:" + rules.number + ")$").exec(text);
  if (!match) return null;
  const fraction = match[1].includes(".") ? match[1].split(".")[1].length : 0;
  const exponent = match[2] ? Number(match[2].slice(1)) : 0;
  return { value: Number(text), place: exponent - fraction };
}

function chainruleAccepts(typed, answer, rules) {
  // practice.accepts, line for line: right within 1% of the answer, or at the precision typed.
  const number = chainruleReadNumber(typed, rules);
  if (number === null) return false;
  const guess = number.value;
  if (!Number.isFinite(answer) || number.place === null) {
    return guess === answer || (Number.isNaN(guess) && Number.isNaN(answer));
  }
  const error = Math.abs(guess - answer);
  if (error <= rules.relTol * Math.abs(answer) + rules.noise) return true;
  return answer !== 0 && number.place <= Math.floor(Math.log10(Math.abs(answer))) &&
    error <= 0.5 * Math.pow(10, number.place) * (1 + 1e-9);
}

function chainruleSummary(score, rules) {
  // practice.Score.summary: "7 of 9 right first try, 2 after a hint".
  const [[first, phrase], ...others] = rules.outcomes;
  const asked = Object.values(score).reduce((a, b) => a + b, 0);
  const parts = [score[first] + " of " + asked + " " + phrase];
  for (const [key, words] of others) if (score[key]) parts.push(score[key] + " " + words);
  return parts.join(", ");
}

function chainrulePicture(data, number) {
  // A picture's SVG element: filling the width, but never scaling text down past 0.75x, nor
  // up past 1.75x or past what fits the window's height (the graph box scrolls instead).
  const parsed = new DOMParser().parseFromString(data.pictures[number].svg, "image/svg+xml");
  const svg = document.importNode(parsed.documentElement, true);
  const natural = svg.viewBox.baseVal.width * 4 / 3;  // Graphviz sizes in points
  const tall = svg.viewBox.baseVal.height * 4 / 3;
  const most = Math.max(1, Math.min(1.75, 0.75 * window.innerHeight / tall));
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.style.maxWidth = Math.round(natural * most) + "px";
  svg.style.minWidth = Math.round(natural * 0.75) + "px";
  return svg;
}

function chainruleFit(root) {
  // Side by side when the graph keeps its smallest width (3/4 of its natural size, see
  // chainrulePicture) beside the 360 px panel; stacked otherwise. Measured on the player
  // itself, whose width is a notebook output's, not the window's.
  const frame = root.shadowRoot.querySelector(".cr-frame");
  const svg = frame.querySelector(".cr-graph svg");
  const least = (svg ? parseFloat(svg.style.minWidth) : 0) + 18;  // + the box's padding, border
  frame.classList.toggle("cr-wide", frame.clientWidth - 6 >= least + 16 + 360);  // gap, panel
}

function chainruleHelp(nonfinite, leveled, host) {
  // The inf / nan parts only for a graph that has an inf or nan, where the button is shown.
  // host: "page" (keys work anywhere on the page), "notebook" (once the player has the focus,
  // and Esc gives it back) or "" (elsewhere: once the player has the focus).
  return "Orange: this step. Dashed purple: the node sending its gradient back. On each " +
    "edge: the local derivative \u2202out/\u2202input. Gradients: " +
    "red below zero, blue above, darker for larger" + (nonfinite ? ", purple inf or nan" : "") +
    ". Keys" + (host === "page" ? "" : " (click the player first)") +
    ": \u2192 or n next, \u2190 or p previous, Home / End, f forward pass, b backward pass" +
    (leveled ? ", o or Enter open a step, u or Backspace go back up" : "") +
    ", a play / pause" +
    (nonfinite ? ", ! the first inf or nan" : "") +
    (host === "notebook" ? ", Esc back to the notebook" : "") +
    ". Click a value box to see why its gradient is what it is.";
}

function chainruleBuild(root, data, css, host, forms) {
  // forms: whether the graph comes in two forms, as written and as primitives (a switch)
  "use strict";
  const el = chainruleElement;
  const button = (name, text, title) => el("button", { type: "button", "data-part": name,
                                                        title: title, text: text });
  const leveled = data.levels.length > 1;
  const graph = el("div", { class: "cr-graph" });
  const controls = el("div", { class: "cr-controls" }, [
    button("first", "\u00ab first", "first step (Home)"),
    button("prev", "\u25c0 prev", "previous step (left arrow)"),
    button("next", "next \u25b6", "next step (right arrow)"),
    button("last", "last \u00bb", "last step (End)"),
    button("play", "\u25b6 play", "play the steps one after another, or pause (a)"),
    el("select", { "data-part": "speed", "aria-label": "autoplay speed",
                   title: "how fast autoplay steps" },
       [["2000", "0.5 step/s"], ["1000", "1 step/s"], ["500", "2 steps/s"],
        ["200", "5 steps/s"]].map(([ms, text]) => el("option", ms === "1000"
          ? { value: ms, text: text, selected: "" } : { value: ms, text: text }))),
  ]);
  const levels = el("div", { class: "cr-controls" }, [
    button("open", "open \u25be", "open this step into the steps it is made of (o or Enter)"),
    button("up", "\u25b4 up", "back up to the step this level is part of (u or Backspace)"),
  ]);
  levels.hidden = !leveled;
  const slider = el("input", { type: "range", min: "0", value: "0", "data-part": "slider",
                               "aria-label": "step" });
  const followable = Object.keys(data.follow);
  const names = el("datalist", { id: data.prefix + "follow-names" },
                   followable.map((id) => chainruleOption(data.nodes[id])));
  const follow = el("label", { class: "cr-follow",
                               title: "only the steps on its paths to the output" }, [
    document.createTextNode("follow "),
    el("input", { type: "search", "data-part": "follow", list: data.prefix + "follow-names",
                  placeholder: "an input or parameter", autocomplete: "off",
                  "aria-label": "follow an input or parameter" }),
    names,
  ]);
  follow.hidden = followable.length === 0;
  const samples = el("label", { class: "cr-follow", title: "one example of the batch" }, [
    document.createTextNode("example "),
    el("select", { "data-part": "sample", "aria-label": "one example of the batch" }, [
      el("option", { value: "", text: "all" }),
      ...data.samples.map((_, k) => el("option", { value: String(k), text: "sample " + k })),
    ]),
  ]);
  samples.hidden = data.samples.length === 0;
  const jump = el("label", { class: "cr-follow", title: "the next step about a node" }, [
    document.createTextNode("go to "),
    el("input", { type: "search", "data-part": "jump", list: data.prefix + "jump-names",
                  placeholder: "a node's name", autocomplete: "off",
                  "aria-label": "go to the next step about a node" }),
    el("datalist", { id: data.prefix + "jump-names" },
       data.jump.map((id) => chainruleOption(data.nodes[id]))),
  ]);
  const jumps = el("div", { class: "cr-jumps" }, [
    button("forward", "forward pass", "jump to the first forward step (f)"),
    button("backward", "backward pass", "jump to the first backward step (b)"),
    button("nonfinite", "first inf / nan", "run to the first inf or nan value or gradient (!)"),
  ]);
  const switches = el("span", { class: "cr-switches" }, [
    el("label", { title: "type each gradient before it is shown" }, [
      el("input", { type: "checkbox", "data-part": "practice" }),
      document.createTextNode(" practice"),
    ]),
  ]);
  jumps.appendChild(switches);
  if (forms) {
    switches.appendChild(el("label", { title: "step through the primitives the engine records: " +
                                           "a - b as a + (-1 * b), x / y as x * y ** -1" }, [
      el("input", { type: "checkbox", "data-part": "primitives" }),
      document.createTextNode(" primitives"),
    ]));
  }
  const question = el("div", { class: "cr-question", "data-part": "question" }, [
    el("div", { "data-part": "prompt" }),
    el("input", { type: "text", "data-part": "answer", inputmode: "decimal",
                  autocomplete: "off", "aria-label": "your answer" }),
    button("check", "check", "check your answer (Enter)"),
    button("hint", "hint", "the chain rule with the numbers filled in"),
    button("reveal", "show me", "show the answer"),
  ]);
  question.hidden = true;
  const side = el("div", { class: "cr-side" }, [
    el("div", { class: "cr-following", "data-part": "following" }),
    el("nav", { class: "cr-crumbs", "data-part": "crumbs", "aria-label": "levels" }),
    controls, levels, slider, jumps, el("div", { class: "cr-controls" }, [samples, follow]),
    jump,
    el("div", { class: "cr-counter", "data-part": "counter" }),
    el("div", { class: "cr-title", "data-part": "title" }),
    el("div", { class: "cr-lines", "data-part": "lines" }),
    el("div", { class: "cr-opens", "data-part": "opens" }),
    question,
    el("div", { class: "cr-message", "data-part": "message" }),
    el("div", { class: "cr-score", "data-part": "score" }),
    el("div", { class: "cr-why", "data-part": "why" }),
    el("div", { class: "cr-help", "data-part": "help",
                text: chainruleHelp(data.firstNonfinite !== null, leveled, host) }),
  ]);
  // A shadow root keeps the host page's styles out (and the player's in): a notebook's rules
  // for its own <pre> and <a> elements never reach the player. The static picture and its
  // note stay in the page, hidden behind it.
  const view = root.shadowRoot || root.attachShadow({ mode: "open" });
  view.replaceChildren(el("style", { text: css }),
                       el("div", { class: "cr-frame" }, [graph, side]));
  root.tabIndex = 0;
  root.classList.add("cr-live");
}

function chainruleDark(root) {
  // Whether the player sits on a dark page. JupyterLab and Notebook 7 say which theme they
  // show on <body>; elsewhere the first opaque background around the player tells, and with
  // none, the system's preference.
  const light = document.body.dataset.jpThemeLight;
  if (light !== undefined) return light === "false";
  for (let node = root.parentElement; node; node = node.parentElement) {
    const rgba = getComputedStyle(node).backgroundColor.match(/[\d.]+/g);
    if (rgba && (rgba.length < 4 || Number(rgba[3]) > 0.5)) {
      const [r, g, b] = rgba.map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;  // luma, 0..255
    }
  }
  return window.matchMedia("(prefers-color-scheme: dark)").matches;
}

function chainruleTheme(root) {
  // Light or dark colours, as the page around is, and again whenever its theme changes.
  const apply = () => { root.dataset.theme = chainruleDark(root) ? "dark" : "light"; };
  apply();
  new MutationObserver(apply).observe(document.body, { attributes: true,
    attributeFilter: ["data-jp-theme-light", "data-jp-theme-name", "class"] });
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", apply);
}

function chainruleKeyGate() {
  // JupyterLab and Notebook 7 look up their shortcuts (m, a, b, d d, the arrows, Shift+Enter)
  // in keydown events that reach the document, Notebook 7 before the player sees them; they
  // skip an element marked data-lm-suppress-shortcuts. Just before, at the window, a player
  // that has the focus is marked for the keys it keeps (those without Ctrl, Alt or Meta), and
  // unmarked for the others (Escape, Ctrl+S, ...), which go on to the notebook.
  if (window.chainruleKeyGate) return;
  window.chainruleKeyGate = true;
  window.addEventListener("keydown", (event) => {
    const player = event.composedPath().find((node) =>
      node.classList && node.classList.contains("cr-live"));
    if (!player) return;
    const passes = event.key === "Escape" || event.ctrlKey || event.altKey || event.metaKey;
    player.toggleAttribute("data-lm-suppress-shortcuts", !passes);
  }, true);
}

function chainruleMount(root, data, options, css) {
  const host = options && options.globalKeys ? "page" : root.closest(".jp-Notebook") ? "notebook" : "";
  chainruleBuild(root, data, css, host, options && typeof options.primitives === "boolean");
  if (!root.classList.contains("cr-observed")) {  // once per root, however often it is built
    root.classList.add("cr-observed");
    new ResizeObserver(() => chainruleFit(root)).observe(root);
    chainruleTheme(root);
  }
  chainruleKeyGate();
  return chainrulePlayer(root, data, options);
}

async function chainruleForms(root, forms, options, css) {
  // A graph in two forms: forms[0] as written, forms[1] as the engine's primitives (each the
  // player's data, or that data packed), and a switch between them. Switching builds the
  // player again in the other form, following the same node if it is in both, with the same
  // practice setting, score and speed.
  if (forms.some((form) => typeof form === "string") && chainruleCannotUnpack(root)) return null;
  const data = [null, null];
  const load = async (k) => {
    if (data[k] === null) {
      data[k] = typeof forms[k] === "string" ? await chainruleGunzip(forms[k]) : forms[k];
    }
    return data[k];
  };
  let shown = options.primitives ? 1 : 0;
  let player = chainruleMount(root, await load(shown), options, css);
  let turn = 0;  // the latest switch: one made while a form unpacks wins over it
  root.addEventListener("chainrule-form", async (event) => {
    const k = event.detail.primitives ? 1 : 0;
    const ticket = ++turn;
    const name = player.following === null ? null : data[shown].nodes[player.following].name;
    const next = await load(k);
    if (ticket !== turn || k === shown) return;
    const follow = next.nodes.findIndex((node) => node.name === name);
    const settings = player.settings, place = player.place;
    player.dispose();
    shown = k;
    player = chainruleMount(root, next, { ...options, ...settings, primitives: k === 1,
                                          follow: follow < 0 ? null : follow, sample: null }, css);
    player.goTo(place);  // the end, or the backward pass's start, if it was there
    root.focus({ preventScroll: true });
  });
  return player;
}

async function chainruleUnpack(root, text, options, css) {
  // A network's walkthrough comes gzipped (base64 text, unpack.js): unpack it, then mount.
  if (chainruleCannotUnpack(root)) return null;
  return chainruleMount(root, await chainruleGunzip(text), options, css);
}
