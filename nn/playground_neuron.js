/* The playground's neuron drill-down: one neuron's scalar graph for one example, stepped.
 *
 * Python sends each neuron's graph as the stepper (autograd/stepper/model.py) names it, and
 * the op table's rule texts. Here the numbers are worked out at the present weights, with the
 * same primitives that train the model, and each step is narrated with the stepper's own
 * sentences: the operation with its numbers going forward, the chain rule with the local
 * derivative's formula and numbers going backward. The tests compare every line with
 * autograd.walkthrough's for the same example.
 */
"use strict";

(function (cr) {
  if (cr.neuronDetail) return;
  const ATOM = 5, POWER = 4, UNARY = 3, PRODUCT = 2, SUM = 1;  // binding strengths, as symbols.py
  const LISTED = 12;  // leaves listed by name before "... and N more", as model.py

  // --- numbers as the stepper writes them (autograd/naming.py) ---------------------------------

  function fourDigits(x) {
    // x.toExponential(3), except at an exact tie: 1.0625 is halfway between 1.062 and 1.063,
    // and Python goes to the even digit (1.062) where JavaScript goes up. 40 digits show a
    // double's value far past where anything could hide behind a tie.
    const [digits, exponent] = Math.abs(x).toExponential(40).split("e");
    const kept = digits.slice(0, 5), rest = digits.slice(5);  // "d.ddd", then the others
    if (/^50*$/.test(rest) && Number(kept[4]) % 2 === 0) {
      return (x < 0 ? "-" : "") + kept + "e" + exponent;
    }
    return x.toExponential(3);
  }
  function formatNumber(x) {
    // Python's f"{x:.4g}", then "3e-07" as "3e-7" and "2" as "2.0"; -0.0 as 0.0
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return "0.0";
    const [mantissa, exponent] = fourDigits(x).split("e");
    const e = Number(exponent);
    const strip = (text) => (text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text);
    if (e < -4 || e >= 4) return `${strip(mantissa)}e${e}`;
    const text = strip(Number(`${mantissa}e${exponent}`).toFixed(3 - e));
    return text.includes(".") ? text : text + ".0";
  }
  function constantText(x) {  // 2 and -1 rather than 2.0 and -1.0
    return Number.isInteger(x) && Math.abs(x) < 1e6 ? String(x) : formatNumber(x);
  }
  function numberFactor(x) {  // a factor of a product: negative numbers in parentheses
    const text = formatNumber(x);
    return text.startsWith("-") ? `(${text})` : text;
  }
  function lead(text) {  // "(-3.0) * 2.0" starts a line as "-3.0 * 2.0"
    const match = /^\((-[^()\s]+)\)(.*)$/s.exec(text);
    return match && !match[2].trimStart().startsWith("**") ? match[1] + match[2] : text;
  }
  const PLAIN = /^[\w.#[\]']+$/u;
  function d(of, wrt) {  // ∂of/∂wrt (naming.derivative)
    const operand = (name) => (PLAIN.test(name) ? name : `(${name})`);
    return `∂${operand(of)}/∂${operand(wrt)}`;
  }

  // --- expressions written down (autograd/stepper/symbols.py) ----------------------------------

  const sym = (names, numbers, value, binding = ATOM) => ({ names, numbers, value, binding });
  const named = (name, value) => sym(name, formatNumber(value), value);
  const number = (value) => { const t = constantText(value); return sym(t, t, value); };
  const wrap = (text, needed) => (needed ? `(${text})` : text);
  function infix(left, symbol, right, value) {
    const binding = { "+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "**": POWER }[symbol];
    const leftNeeds = left.binding < binding || (binding === POWER && left.binding <= POWER);
    const rightNeeds = right.binding < binding || (binding !== POWER && right.binding === binding && "-/".includes(symbol));
    const side = (s, needs, key) => wrap(s[key], needs || s[key].startsWith("-"));
    return sym(`${side(left, leftNeeds, "names")} ${symbol} ${side(right, rightNeeds, "names")}`,
      `${side(left, leftNeeds, "numbers")} ${symbol} ${side(right, rightNeeds, "numbers")}`, value, binding);
  }
  const call = (name, args, value) => sym(`${name}(${args.map((a) => a.names).join(", ")})`,
    `${name}(${args.map((a) => a.numbers).join(", ")})`, value);
  function operation(op, operands, value) {
    // the forward expression: infix for + and *, a sum of products for a weighted sum, else a call
    if (op === "weighted_sum") {
      const products = [];
      for (let k = 1; k < operands.length; k += 2) {
        products.push(infix(operands[k], "*", operands[k + 1], operands[k].value * operands[k + 1].value));
      }
      return operation("sum", [operands[0], ...products], value);
    }
    const symbol = { add: "+", sum: "+", mul: "*" }[op];
    if (symbol && operands.length >= 2) return operands.slice(1).reduce((w, o) => infix(w, symbol, o, value), operands[0]);
    return call(op, operands, value);
  }
  function localFormula(op, args, out, params) {
    // d out / d each input, as ops.py's rule reads when run on symbols
    switch (op) {
      case "mul": return [args[1], args[0]];
      case "add": case "sum": return args.map(() => number(1));
      case "weighted_sum": return args.map((_, p) => (p === 0 ? number(1) : p % 2 === 1 ? args[p + 1] : args[p - 1]));
      case "tanh": return [infix(number(1), "-", infix(out, "*", out, out.value * out.value), 1 - out.value * out.value)];
      case "sigmoid": return [infix(out, "*", infix(number(1), "-", out, 1 - out.value), out.value * (1 - out.value))];
      case "relu": return [number(args[0].value > 0 ? 1 : 0)];
      case "leaky_relu": return [number(args[0].value > 0 ? 1 : params[0])];
      case "softplus": return [call("sigmoid", [args[0]], cr.PRIMITIVES.sigmoid.forward([args[0].value]))];
      default: return null;  // no formula: the narration shows the number
    }
  }

  // --- the steps ----------------------------------------------------------------------------------

  function neuronSteps(graph, trainer, sample) {
    // The neuron's inputs for the example, then its nodes' numbers, then the stepper's steps.
    const prog = trainer.program(trainer.spec.train.y[sample]);
    cr.forward(prog, trainer.spec.train.X[sample], 0, trainer.params, prog.prediction);
    const layerInputs = graph.layer === 0 ? trainer.spec.train.X[sample]
      : prog.neurons.filter(([l]) => l === graph.layer - 1).map(([, , node]) => prog.values[node]);
    const nodes = graph.nodes.map(([name, kind, op, inputs, params, scope, source]) =>
      ({ name, kind, op, inputs, params, scope, source }));
    for (const node of nodes) {
      if (node.kind !== "op") {
        node.data = node.source[0] === "p" ? trainer.params[node.source[1]] : layerInputs[node.source[1]];
        continue;
      }
      const args = node.inputs.map((i) => nodes[i].data);
      node.data = cr.PRIMITIVES[node.op].forward(args, node.params);
      node.localGrads = cr.PRIMITIVES[node.op].localGrads(args, node.data, node.params);
    }
    const rules = trainer.spec.rules, root = nodes[nodes.length - 1];
    const operand = (i) => (nodes[i].kind === "constant" ? number(nodes[i].data) : named(nodes[i].name, nodes[i].data));
    const expression = (node) => operation(node.op, [...node.inputs.map(operand), ...node.params.map(number)], node.data);
    const steps = [];

    // start: the leaves are given
    const leaves = nodes.filter((n) => n.kind === "leaf");
    const parameters = leaves.filter((n) => n.scope).length, given = leaves.length - parameters;
    const count = (n, noun) => (n === 1 ? `${n} ${noun}` : `${n} ${noun}s`);
    const listed = leaves.slice(0, LISTED).map((n) => `${n.name} = ${formatNumber(n.data)}` + (n.scope ? `  (in ${n.scope})` : ""));
    if (leaves.length > LISTED) listed.push(`... and ${leaves.length - LISTED} more`);
    const givenText = [[given, "input"], [parameters, "parameter"]].filter(([n]) => n).map(([n, noun]) => count(n, noun)).join(" and ");
    steps.push({ kind: "start", title: leaves.length ? `Start: ${givenText} given` : "Start", lines: listed });

    // forward: one operation each
    for (const node of nodes) {
      if (node.kind !== "op") continue;
      const expr = expression(node), numbers = lead(expr.numbers);
      let statement = `${node.name} = ${expr.names === numbers ? expr.names : `${expr.names} = ${numbers}`}`;
      if (numbers !== formatNumber(node.data)) statement += ` = ${formatNumber(node.data)}`;
      const lines = [statement];
      if (node.scope) lines.push(`computed in ${node.scope}`);
      steps.push({ kind: "forward", title: `${node.name} = ${expr.names}`, lines, node });
    }

    // backward: the seed, then one chain-rule edge each, in backward()'s order
    steps.push({ kind: "seed", title: `${d(root.name, root.name)} = 1`, lines: [`${d(root.name, root.name)} = 1`,
      `Backward starts at the output: nudging ${root.name} by h moves ${root.name} by h, so its gradient with respect to itself is 1.`] });
    const grads = nodes.map(() => null), received = nodes.map(() => []), fanOut = nodes.map(() => 0);
    nodes.forEach((n) => n.inputs.forEach((i) => { fanOut[i] += 1; }));
    grads[nodes.length - 1] = 1;
    for (let o = nodes.length - 1; o >= 0; o--) {
      const out = nodes[o];
      if (out.kind !== "op") continue;
      const formulas = localFormula(out.op, out.inputs.map(operand), named(out.name, out.data), out.params);
      out.inputs.forEach((i, slot) => {
        const inp = nodes[i];
        if (inp.kind === "constant") return;
        const upstream = grads[o], before = grads[i], local = out.localGrads[slot];
        const contribution = local * upstream, after = before === null ? contribution : before + contribution;
        grads[i] = after;
        const again = received[i].some(([s]) => s === out.name);
        received[i].push([out.name + (again ? ", again" : ""), contribution]);
        const formula = formulas ? formulas[slot] : null;
        const factor = (text, binding) => (binding < PRODUCT ? `(${text})` : text);
        const localName = out === root ? (formula ? factor(formula.names, formula.binding) : formatNumber(local)) : d(out.name, inp.name);
        const chain = `${d(root.name, inp.name)} += ${localName} * ${d(root.name, out.name)}`;
        const parts = [chain];
        if (formula && formula.names !== formula.numbers && out !== root) parts.push(`${factor(formula.names, formula.binding)} * ${numberFactor(upstream)}`);
        const numbers = formula ? formula.numbers : formatNumber(local), binding = formula ? formula.binding : ATOM;
        parts.push(lead(`${factor(numbers, binding)} * ${numberFactor(upstream)}`));
        parts.push(formatNumber(contribution));
        const lines = [parts.join(" = "), `because ${out.name} = ${expression(out).names}, and ${rules[out.op]}`];
        if (fanOut[i] > 1) {
          const terms = received[i].map(([source, amount]) => `${formatNumber(amount)} (from ${source})`).join(" + ");
          const status = received[i].length === fanOut[i] ? "complete" : `${received[i].length} of ${fanOut[i]} contributions so far`;
          lines.push(`${inp.name}.grad = ${terms}${received[i].length > 1 ? ` = ${formatNumber(after)}` : ""}  (${status})`);
        } else {
          lines.push(`${inp.name}.grad = ${formatNumber(after)}`);
        }
        steps.push({ kind: "backward", title: chain, lines, node: inp, from: out });
      });
    }

    // done: every leaf's gradient
    const known = leaves.filter((n) => grads[nodes.indexOf(n)] !== null);
    const done = known.slice(0, LISTED).map((n) => `${d(root.name, n.name)} = ${formatNumber(grads[nodes.indexOf(n)])}`);
    if (known.length > LISTED) done.push(`... and ${known.length - LISTED} more`);
    steps.push({ kind: "done", title: "Done: every gradient is known", lines: done });
    return steps;
  }

  // --- the panel ---------------------------------------------------------------------------------

  function neuronDetail(box, trainer, selected, choose) {
    const graph = trainer.spec.neuronGraphs.find((g) => g.layer === selected.layer && g.j === selected.j);
    const steps = neuronSteps(graph, trainer, selected.sample);
    if (selected.at === undefined || selected.at >= steps.length) selected.at = 0;
    const el = (tag, attrs, parent, text) => {
      const node = document.createElement(tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      if (text !== undefined) node.textContent = text;
      parent.appendChild(node);
      return node;
    };
    const x = trainer.spec.train.X[selected.sample];
    el("h3", {}, box, `Neuron layers.${selected.layer}.neurons.${selected.j}, for one training example, at the weights of step ${trainer.step}`);
    const pick = el("p", {}, box);
    pick.append("Example ");
    const chooser = el("input", { type: "number", min: 0, max: trainer.spec.train.X.length - 1, value: selected.sample, "data-role": "sample" }, pick);
    pick.append(` of ${trainer.spec.train.X.length}: (${x.map(cr.fmt).join(", ")}), class ${trainer.spec.train.y[selected.sample]}`);
    chooser.addEventListener("change", () => {
      const k = Math.round(Number(chooser.value));
      if (k >= 0 && k < trainer.spec.train.X.length) { selected.at = 0; choose(k); } else chooser.value = selected.sample;
    });
    const nav = el("p", { class: "crpg-nav" }, box);
    const go = (label, role, at) => {
      const b = el("button", { "data-role": role }, nav, label);
      b.addEventListener("click", () => { selected.at = Math.max(0, Math.min(steps.length - 1, at())); choose(selected.sample); });
    };
    go("◀ Back", "prev", () => selected.at - 1);
    go("Next ▶", "next", () => selected.at + 1);
    go("Forward pass", "forward", () => steps.findIndex((s) => s.kind === "forward"));
    go("Backward pass", "backward", () => steps.findIndex((s) => s.kind === "seed"));
    el("span", {}, nav, `  step ${selected.at + 1} of ${steps.length}`);
    const current = steps[selected.at];
    const shown = el("div", { class: "crpg-current", "data-role": "narration" }, box);
    el("p", { class: "crpg-sum" }, shown, current.title);
    current.lines.forEach((line) => el("p", {}, shown, line));
    const list = el("ol", { class: "crpg-steps", start: 0 }, box);
    steps.forEach((s, i) => {
      const item = el("li", i === selected.at ? { class: "crpg-current" } : {}, list, s.title);
      item.addEventListener("click", () => { selected.at = i; choose(selected.sample); });
    });
  }

  cr.neuronSteps = neuronSteps;
  cr.formatNumber = formatNumber;
  cr.neuronDetail = neuronDetail;
})(window.chainrulePlayground);
