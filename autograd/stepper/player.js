// chainrule's walkthrough player: restyles one Graphviz SVG, step by step, by element id.
//
// The page (or notebook output) holds a JSON description of the graph's SVG and of the steps,
// made by autograd/stepper/page.py; this script builds the player from it (so where scripts
// do not run, as in an untrusted notebook, no dead controls are left, only a static picture).
// Each step lists the values and gradients it reveals; the state after step i is found by
// replaying steps 0..i, so any step can be shown directly. No network, no libraries.
// User text (labels, narration) only ever enters the page through textContent.

function chainrulePlayer(root, data, options) {
  "use strict";
  const prefix = data.prefix;
  const steps = data.steps;
  const nodes = data.nodes;
  const last = steps.length - 1;
  const byId = (id) => root.querySelector('[id="' + prefix + id + '"]');
  const part = (name) => root.querySelector('[data-part="' + name + '"]');
  const answered = new Set();
  let index = 0;
  let pending = null;  // the step whose practice question is being asked

  // --- state after a step -------------------------------------------------------------------

  function stateAt(i) {
    const values = new Array(nodes.length).fill(null);
    const grads = new Array(nodes.length).fill(null);
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

  // --- drawing a step -----------------------------------------------------------------------

  function setClass(id, name, on) {
    const element = byId(id);
    if (element) element.classList.toggle(name, on);
  }

  function paintGraph(i) {
    const { values, grads, updated } = stateAt(i);
    const step = steps[i];
    for (let id = 0; id < nodes.length; id++) {
      const known = values[id] !== null;
      setClass("n" + id, "cr-unknown", !known);
      setClass("n" + id + "_op", "cr-unknown", !known);
      setClass("e" + id + "_out", "cr-unknown", !known);
      for (let k = 0; k < nodes[id].inputs; k++) setClass("e" + id + "_" + k, "cr-unknown", !known);
      if (nodes[id].constant) continue;
      const dataText = byId("n" + id + "-data");
      if (dataText) dataText.textContent = known ? values[id] : "?";
      const dataCell = byId("n" + id + "-data-cell");
      if (dataCell) dataCell.style.fill = updated.has(id) ? "#fdd49e" : "";
      const gradText = byId("n" + id + "-grad");
      const gradCell = byId("n" + id + "-grad-cell");
      const grad = grads[id];
      if (gradText) {
        gradText.textContent = grad ? grad[1] : "";
        gradText.style.fill = grad ? grad[3] : "#222222";
      }
      if (gradCell) gradCell.style.fill = grad ? grad[2] : "#ffffff";
    }
    for (const element of root.querySelectorAll(".cr-current, .cr-sender, .cr-active")) {
      element.classList.remove("cr-current", "cr-sender", "cr-active");
    }
    if (step.node !== null) {
      setClass("n" + step.node, "cr-current", true);
      reveal(byId("n" + step.node));
    }
    if (step.edge) {
      const [out, inp, slot] = step.edge;
      setClass("n" + out, "cr-sender", true);
      setClass("n" + out + "_op", "cr-active", true);
      setClass("e" + out + "_" + slot, "cr-active", true);
      setClass("e" + out + "_out", "cr-active", true);
    } else if (step.kind === "forward") {
      setClass("n" + step.node + "_op", "cr-active", true);
      setClass("e" + step.node + "_out", "cr-active", true);
      for (let k = 0; k < nodes[step.node].inputs; k++) {
        setClass("e" + step.node + "_" + k, "cr-active", true);
      }
    }
  }

  function reveal(element) {
    // Scroll the graph (not the page) so that the step's node is in view.
    const box = root.querySelector(".cr-graph");
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

  function show(i, message) {
    index = Math.max(0, Math.min(last, i));
    pending = null;
    const step = steps[index];
    paintGraph(index);
    part("counter").textContent = "step " + index + " of " + last + " \u00b7 " + phase(step.kind);
    part("title").textContent = step.title;
    fillList(part("lines"), step.lines);
    part("question").hidden = true;
    const note = part("message");
    note.textContent = message ? message.text : "";
    note.className = "cr-message" + (message ? " " + message.kind : "");
    part("slider").value = String(index);
    part("prev").disabled = index === 0;
    part("next").disabled = index === last;
    part("why").replaceChildren();
  }

  function phase(kind) {
    return { start: "start", forward: "forward", seed: "backward", backward: "backward",
             done: "done", update: "update", zero_grad: "update" }[kind] || kind;
  }

  // --- moving, and practice -----------------------------------------------------------------

  function next() {
    if (index === last) return;
    const target = steps[index + 1];
    if (part("practice").checked && target.question && !answered.has(index + 1)) {
      ask(index + 1);
    } else {
      show(index + 1);
    }
  }

  function ask(i) {
    pending = i;
    const box = part("question");
    box.hidden = false;
    part("prompt").textContent = "Step " + i + ": " + steps[i].question;
    const input = part("answer");
    input.value = "";
    part("message").textContent = "";
    input.focus();
  }

  function close(guess, answer) {
    if (Number.isNaN(answer)) return Number.isNaN(guess);
    if (!Number.isFinite(answer)) return guess === answer;  // an infinity: right only with its sign
    return Math.abs(guess - answer) <= data.tolerance.abs + data.tolerance.rel * Math.abs(answer);
  }

  function check(reveal) {
    if (pending === null) return;
    const step = steps[pending];
    const typed = part("answer").value.trim();
    const guess = Number(typed.replace(/^([+-]?)inf(inity)?$/i, "$1Infinity"));  // "-inf" too
    answered.add(pending);
    if (reveal) {
      show(pending, { kind: "cr-info", text: "it is " + step.answerText + ". " + step.hint });
    } else if (typed === "" || Number.isNaN(guess) && typed.toLowerCase() !== "nan") {
      answered.delete(pending);
      part("message").textContent = JSON.stringify(typed) + " is not a number; type a number such as -1.5";
      part("message").className = "cr-message cr-wrong";
    } else if (close(guess, Number(step.answer))) {
      show(pending, { kind: "cr-right", text: "right: " + step.answerText });
    } else {
      show(pending, { kind: "cr-wrong",
                      text: "not quite: it is " + step.answerText + ". " + step.hint });
    }
  }

  // --- explaining a node --------------------------------------------------------------------

  function why(id) {
    const box = part("why");
    const text = data.explanations[id];
    if (text === undefined) return;
    const { grads } = stateAt(index);
    const done = grads[id] !== null && steps.slice(index + 1).every(
      (s) => !s.grads.some((g) => g[0] === id) || s.kind === "update" || s.kind === "zero_grad");
    const heading = document.createElement("div");
    heading.className = "cr-why-title";
    heading.textContent = "Why " + nodes[id].name + ".grad is what it is";
    const body = document.createElement("pre");
    body.textContent = done ? text
      : "Its gradient is not complete yet: step on until every edge out of " + nodes[id].name +
        " has sent its gradient back, then click it again.";
    box.replaceChildren(heading, body);
  }

  // --- wiring -------------------------------------------------------------------------------

  function onKey(event) {
    if (event.target && event.target.tagName === "INPUT" && event.target.type === "text") {
      if (event.key === "Enter") { check(false); event.preventDefault(); }
      return;
    }
    const moves = {
      ArrowRight: next, ArrowDown: next, n: next, " ": next,
      ArrowLeft: () => show(index - 1), ArrowUp: () => show(index - 1), p: () => show(index - 1),
      Home: () => show(0), End: () => show(last),
      f: () => show(data.firstForward), b: () => show(data.firstBackward),
      "!": () => { if (data.firstNonfinite !== null) show(data.firstNonfinite); },
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
  part("forward").addEventListener("click", () => show(data.firstForward));
  part("backward").addEventListener("click", () => show(data.firstBackward));
  part("last").addEventListener("click", () => show(last));
  const nonfinite = part("nonfinite");
  if (data.firstNonfinite === null) nonfinite.remove();
  else nonfinite.addEventListener("click", () => show(data.firstNonfinite));
  part("slider").max = String(last);
  part("slider").addEventListener("input", (event) => show(Number(event.target.value)));
  part("check").addEventListener("click", () => check(false));
  part("reveal").addEventListener("click", () => check(true));
  part("practice").checked = Boolean(data.practice);
  part("practice").addEventListener("change", () => show(index));
  for (let id = 0; id < nodes.length; id++) {
    const box = byId("n" + id);
    if (box && !nodes[id].constant) box.addEventListener("click", () => why(id));
  }
  root.addEventListener("keydown", onKey);
  if (options && options.globalKeys) {
    document.addEventListener("keydown", (event) => {
      if (!root.contains(event.target) || event.target === document.body) onKey(event);
    });
  }
  show(options && options.start ? options.start : 0);
  return { show, next, get index() { return index; } };
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

function chainruleHelp(nonfinite) {
  // The inf / nan parts only for a graph that has an inf or nan, where the button is shown.
  return "Orange: this step. Dashed purple: the node sending its gradient back. Gradients: " +
    "red below zero, blue above, darker for larger" + (nonfinite ? ", purple inf or nan" : "") +
    ". Keys: \u2192 next, \u2190 previous, Home / End, f forward pass, b backward pass" +
    (nonfinite ? ", ! the first inf or nan" : "") +
    ". Click a value box to see why its gradient is what it is.";
}

function chainruleBuild(root, data) {
  "use strict";
  const el = chainruleElement;
  const button = (name, text, title) => el("button", { type: "button", "data-part": name,
                                                        title: title, text: text });
  const parsed = new DOMParser().parseFromString(data.svg, "image/svg+xml").documentElement;
  const svg = document.importNode(parsed, true);
  // Fill the width, but never scale text up past 1.75x or down past 0.75x: scroll instead.
  const natural = svg.viewBox.baseVal.width * 4 / 3;  // Graphviz sizes in points
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.style.maxWidth = Math.round(natural * 1.75) + "px";
  svg.style.minWidth = Math.round(natural * 0.75) + "px";
  const graph = el("div", { class: "cr-graph" }, [svg]);
  const controls = el("div", { class: "cr-controls" }, [
    button("first", "\u00ab first", "first step (Home)"),
    button("prev", "\u25c0 prev", "previous step (left arrow)"),
    button("next", "next \u25b6", "next step (right arrow)"),
    button("last", "last \u00bb", "last step (End)"),
  ]);
  const slider = el("input", { type: "range", min: "0", value: "0", "data-part": "slider",
                               "aria-label": "step" });
  const jumps = el("div", { class: "cr-jumps" }, [
    button("forward", "forward pass", "jump to the first forward step (f)"),
    button("backward", "backward pass", "jump to the first backward step (b)"),
    button("nonfinite", "first inf / nan", "run to the first inf or nan value or gradient (!)"),
    el("label", { title: "type each gradient before it is shown" }, [
      el("input", { type: "checkbox", "data-part": "practice" }),
      document.createTextNode(" practice"),
    ]),
  ]);
  const question = el("div", { class: "cr-question", "data-part": "question" }, [
    el("div", { "data-part": "prompt" }),
    el("input", { type: "text", "data-part": "answer", inputmode: "decimal",
                  autocomplete: "off", "aria-label": "your answer" }),
    button("check", "check", "check your answer (Enter)"),
    button("reveal", "show me", "show the answer"),
  ]);
  question.hidden = true;
  const side = el("div", { class: "cr-side" }, [
    controls, slider, jumps,
    el("div", { class: "cr-counter", "data-part": "counter" }),
    el("div", { class: "cr-title", "data-part": "title" }),
    el("div", { class: "cr-lines", "data-part": "lines" }),
    question,
    el("div", { class: "cr-message", "data-part": "message" }),
    el("div", { class: "cr-why", "data-part": "why" }),
    el("div", { class: "cr-help", text: chainruleHelp(data.firstNonfinite !== null) }),
  ]);
  root.replaceChildren(graph, side);
  root.tabIndex = 0;
  root.classList.add("cr-live");
}

function chainruleMount(root, data, options) {
  chainruleBuild(root, data);
  return chainrulePlayer(root, data, options);
}
