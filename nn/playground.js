/* The playground's engine and views: a model trains here, in float64, from a recorded program.
 *
 * Python (nn/playground.py) records what one example does as a flat program of op-table
 * primitives; this file runs it forward and backward for every example of a batch, adds up
 * the gradients, and moves the weights as nn.optim does. Each primitive below is the twin of
 * its entry in autograd/ops.py (forward rule and local derivatives), checked against it by
 * the tests. Plain JavaScript, no network, no framework.
 */
"use strict";

window.chainrulePlayground = window.chainrulePlayground || (function () {

  // --- the primitives: autograd/ops.py's table, in JavaScript ---------------------------------
  // forward(args, params) -> out; localGrads(args, out, params) -> d out / d args[i], per input.
  // Numerics follow IEEE floats as ops.py does (log(-1) is NaN, exp(1000) is Infinity).

  function pow(a, b) {
    // C's pow, as Python's math.pow gives it: 1 ** y = 1 and x ** 0 = 1 even for NaN, and
    // (-1) ** +-Infinity = 1 (JavaScript's ** says NaN for these three).
    if (a === 1 || b === 0) return 1;
    if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
    return Math.pow(a, b);
  }
  function log(x) { return x > 0 ? Math.log(x) : x === 0 ? -Infinity : NaN; }
  function sigmoid(x) {
    if (x >= 0) return 1 / (1 + Math.exp(-x));  // two equal forms, each where exp cannot overflow
    const e = Math.exp(x);
    return e / (1 + e);
  }
  function sin(x) { return Number.isFinite(x) ? Math.sin(x) : NaN; }
  function cos(x) { return Number.isFinite(x) ? Math.cos(x) : NaN; }
  function sign(x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

  const PRIMITIVES = {
    add: {  // out = a + b: d out/da = 1, d out/db = 1
      forward: (x) => x[0] + x[1],
      localGrads: () => [1, 1],
    },
    sum: {  // out = t0 + t1 + ..., added left to right: d out/d(each term) = 1
      forward: (x) => { let s = x[0]; for (let i = 1; i < x.length; i++) s = s + x[i]; return s; },
      localGrads: (x) => x.map(() => 1),
    },
    mul: {  // out = a * b: d out/da = b, d out/db = a
      forward: (x) => x[0] * x[1],
      localGrads: (x) => [x[1], x[0]],
    },
    weighted_sum: {  // out = b + w0 * x0 + w1 * x1 + ...; inputs b, w0, x0, w1, x1, ...
      forward: (x) => { let s = x[0]; for (let k = 1; k < x.length; k += 2) s = s + x[k] * x[k + 1]; return s; },
      localGrads: (x) => {  // d out/db = 1; d out/dwi = xi; d out/dxi = wi
        const g = [1];
        for (let k = 1; k < x.length; k += 2) g.push(x[k + 1], x[k]);
        return g;
      },
    },
    pow: {  // out = a ** n, n constant: d out/da = n * a ** (n - 1), and 0 when n = 0
      forward: (x, p) => pow(x[0], p[0]),
      localGrads: (x, out, p) => [p[0] === 0 ? 0 : p[0] * pow(x[0], p[0] - 1)],
    },
    vpow: {  // out = a ** b: d out/da = b * a ** (b - 1), d out/db = out * log(a)
      forward: (x) => pow(x[0], x[1]),
      localGrads: (x, out) => [
        x[1] === 0 ? 0 : x[1] * pow(x[0], x[1] - 1),
        x[0] === 0 && x[1] >= 0 ? 0 : out * log(x[0]),
      ],
    },
    exp: { forward: (x) => Math.exp(x[0]), localGrads: (x, out) => [out] },  // d e^a/da = e^a
    log: { forward: (x) => log(x[0]), localGrads: (x) => [pow(x[0], -1)] },  // d log a/da = 1/a
    tanh: { forward: (x) => Math.tanh(x[0]), localGrads: (x, out) => [1 - out * out] },
    sigmoid: { forward: (x) => sigmoid(x[0]), localGrads: (x, out) => [out * (1 - out)] },
    relu: {  // out = max(a, 0): slope 1 where a > 0, else 0 (0 at the kink)
      forward: (x) => (x[0] < 0 ? 0 : x[0]),
      localGrads: (x) => [x[0] > 0 ? 1 : 0],
    },
    leaky_relu: {  // out = a if a > 0 else slope * a
      forward: (x, p) => (x[0] < 0 ? p[0] * x[0] : x[0]),
      localGrads: (x, out, p) => [x[0] > 0 ? 1 : p[0]],
    },
    softplus: {  // out = log(1 + e^a) = max(a, 0) + log(1 + e^-|a|): d out/da = sigmoid(a)
      forward: (x) => (Number.isNaN(x[0]) ? x[0] : Math.max(x[0], 0) + Math.log1p(Math.exp(-Math.abs(x[0])))),
      localGrads: (x) => [sigmoid(x[0])],
    },
    sin: { forward: (x) => sin(x[0]), localGrads: (x) => [cos(x[0])] },
    cos: { forward: (x) => cos(x[0]), localGrads: (x) => [-sin(x[0])] },
    abs: { forward: (x) => Math.abs(x[0]), localGrads: (x) => [sign(x[0])] },
  };

  // --- the program: one example's loss, interpreted ------------------------------------------

  const LEAF_X = 0, LEAF_Y = 1, LEAF_P = 2, LEAF_C = 3, OP = 4;
  // Products and sums make most of a network's nodes: forward computes them inline, with the
  // very arithmetic of PRIMITIVES.mul, .add and .sum (the tests check the two paths agree).
  const MUL = 5, SUM = 6;

  function compile(program) {
    // Each node as {kind, k (input or parameter index), c (constant), op, inputs, params,
    // args (reused for every call, so a step allocates no argument lists)}.
    const nodes = program.nodes.map((row) => {
      switch (row[0]) {
        case "x": return { kind: LEAF_X, k: row[1] };
        case "y": return { kind: LEAF_Y };
        case "p": return { kind: LEAF_P, k: row[1] };
        case "c": return { kind: LEAF_C, c: row[1] };
        default: {
          const op = PRIMITIVES[row[0]];
          if (!op) throw new Error("the page has no rule for the op " + row[0]);
          const kind = row[0] === "mul" ? MUL : row[0] === "add" || row[0] === "sum" ? SUM : OP;
          return { kind, op, name: row[0], inputs: row[1], params: row[2], args: new Array(row[1].length) };
        }
      }
    });
    return {
      nodes, prediction: program.prediction, loss: program.loss, neurons: program.neurons,
      values: new Float64Array(nodes.length), grads: new Float64Array(nodes.length),
    };
  }

  function forward(prog, x, target, params, upTo) {
    // values[i] for nodes 0 .. upTo, in topological order
    const values = prog.values;
    for (let i = 0; i <= upTo; i++) {
      const node = prog.nodes[i];
      switch (node.kind) {
        case LEAF_X: values[i] = x[node.k]; break;
        case LEAF_Y: values[i] = target; break;
        case LEAF_P: values[i] = params[node.k]; break;
        case LEAF_C: values[i] = node.c; break;
        case MUL: values[i] = values[node.inputs[0]] * values[node.inputs[1]]; break;
        case SUM: {  // left to right, as PRIMITIVES.sum (and add) add
          const inputs = node.inputs;
          let s = values[inputs[0]];
          for (let j = 1; j < inputs.length; j++) s = s + values[inputs[j]];
          values[i] = s;
          break;
        }
        default: {
          const args = node.args;
          for (let j = 0; j < args.length; j++) args[j] = values[node.inputs[j]];
          values[i] = node.op.forward(args, node.params);
        }
      }
    }
  }

  function backward(prog, seed, paramGrads) {
    // The chain rule from the loss: inp.grad += local_grad * out.grad, nodes in reverse
    // order; then each parameter's gradient is added to paramGrads.
    const { nodes, values, grads } = prog;
    grads.fill(0);
    grads[prog.loss] = seed;
    for (let i = prog.loss; i >= 0; i--) {
      const node = nodes[i];
      if (node.kind === LEAF_P) { paramGrads[node.k] += grads[i]; continue; }
      if (node.kind < OP) continue;
      const args = node.args;
      for (let j = 0; j < args.length; j++) args[j] = values[node.inputs[j]];
      const local = node.op.localGrads(args, values[i], node.params);
      for (let j = 0; j < args.length; j++) grads[node.inputs[j]] += local[j] * grads[i];
    }
  }

  // --- the seeded order of mini-batches (nn/playground.py deals the same) ----------------------

  function start(seed, epoch) {
    const state = (Math.imul(seed + 1, 0x9E3779B1) ^ Math.imul(epoch + 1, 0x85EBCA77)) >>> 0;
    return state || 1;
  }
  function next(state) {
    state = (state ^ (state << 13)) >>> 0;
    state = (state ^ (state >>> 17)) >>> 0;
    return (state ^ (state << 5)) >>> 0;
  }
  function epochOrder(n, seed, epoch) {
    const order = Array.from({ length: n }, (_, i) => i);
    let state = start(seed, epoch);
    for (let i = n - 1; i > 0; i--) {
      state = next(state);
      const j = state % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
  function batchIndices(n, batchSize, seed, step) {
    if (batchSize === null || batchSize >= n) return Array.from({ length: n }, (_, i) => i);
    const perEpoch = Math.ceil(n / batchSize);
    const epoch = Math.floor(step / perEpoch), k = step % perEpoch;
    return epochOrder(n, seed, epoch).slice(k * batchSize, (k + 1) * batchSize);
  }

  // --- training: the model's state and one step -----------------------------------------------

  class Trainer {
    constructor(spec) {
      this.spec = spec;
      this.programs = {};
      for (const key of Object.keys(spec.programs)) this.programs[key] = compile(spec.programs[key]);
      this.regression = spec.task === "regression";
      this.targets = spec.train.y.map((t) => this.target(t));
      this.lr = spec.optimizer.lr;
      this.optimizer = spec.optimizer.name;
      this.batchSize = spec.batchSize;
      this.reset();
    }
    target(t) {  // the number the loss compares with: classes 0/1 are -1/+1 for hinge
      return this.spec.loss === "hinge" ? 2 * t - 1 : t;
    }
    program(t) { return this.regression ? this.programs.any : this.programs[String(t)]; }
    reset() {
      this.params = Float64Array.from(this.spec.params.values);
      this.grads = new Float64Array(this.params.length);
      this.resetOptimizer();
      this.step = 0;
      this.history = [];  // per step: {step, trainLoss, testLoss, trainAccuracy, testAccuracy}
    }
    resetOptimizer() {
      const n = this.params.length;
      this.state = { t: 0, momentum: null, m: new Float64Array(n), v: new Float64Array(n) };
    }
    setOptimizer(name) { if (name !== this.optimizer) { this.optimizer = name; this.resetOptimizer(); } }
    batch() { return batchIndices(this.spec.train.X.length, this.batchSize, this.spec.seed, this.step); }

    gradient(chosen, perExample) {
      // The batch loss L = (l0 + l1 + ...) * (1 / B) and its gradient: each example's
      // program seeded with dL/dli = 1 / B. perExample(i, grads) sees each one's share.
      const X = this.spec.train.X, y = this.spec.train.y;
      const scale = 1 / chosen.length;
      this.grads.fill(0);
      let total = 0;
      chosen.forEach((i, position) => {
        const prog = this.program(y[i]);
        forward(prog, X[i], this.targets[i], this.params, prog.loss);
        total = position === 0 ? prog.values[prog.loss] : total + prog.values[prog.loss];
        if (perExample) {
          const own = new Float64Array(this.params.length);
          backward(prog, scale, own);
          perExample(i, own);
          for (let k = 0; k < own.length; k++) this.grads[k] += own[k];
        } else {
          backward(prog, scale, this.grads);
        }
      });
      return total * scale;
    }

    update() {
      // nn.optim's rules, on the same floats in the same order (see nn/optim.py)
      const p = this.params, g = this.grads, lr = this.lr, o = this.spec.optimizer;
      if (this.optimizer === "sgd") {
        const mu = o.momentum;
        if (mu === 0) { for (let k = 0; k < p.length; k++) p[k] = p[k] - lr * g[k]; return; }
        if (this.state.momentum === null) this.state.momentum = Float64Array.from(g);
        // b = momentum * b + (1 - dampening) * g, with dampening 0
        else for (let k = 0; k < p.length; k++) this.state.momentum[k] = mu * this.state.momentum[k] + g[k];
        for (let k = 0; k < p.length; k++) p[k] = p[k] - lr * this.state.momentum[k];
        return;
      }
      const [beta1, beta2] = o.betas, eps = o.eps, s = this.state;
      s.t += 1;
      const stepSize = lr / (1 - beta1 ** s.t);
      const root = Math.sqrt(1 - beta2 ** s.t);
      for (let k = 0; k < p.length; k++) {
        s.m[k] = beta1 * s.m[k] + (1 - beta1) * g[k];  // running mean of g
        s.v[k] = beta2 * s.v[k] + (1 - beta2) * g[k] * g[k];  // running mean of g ** 2
        const denominator = Math.sqrt(s.v[k]) / root + eps;
        p[k] = p[k] - stepSize * (s.m[k] / denominator);
      }
    }

    trainStep() {
      const loss = this.gradient(this.batch());
      this.update();
      this.step += 1;
      this.lastLoss = loss;
      return loss;
    }

    predict(x) {  // the model's output for one point
      const prog = this.regression ? this.programs.any : this.programs["0"];
      forward(prog, x, 0, this.params, prog.prediction);
      return prog.values[prog.prediction];
    }

    evaluate(set) {
      // mean loss and accuracy over a set, at the present weights
      if (!set || set.X.length === 0) return null;
      let loss = 0, right = 0;
      set.X.forEach((x, i) => {
        const prog = this.program(set.y[i]);
        forward(prog, x, this.target(set.y[i]), this.params, prog.loss);
        loss += prog.values[prog.loss];
        if (!this.regression && (prog.values[prog.prediction] > 0 ? 1 : 0) === set.y[i]) right += 1;
      });
      return { loss: loss / set.X.length, accuracy: this.regression ? null : right / set.X.length };
    }

    record() {
      const train = this.evaluate(this.spec.train), test = this.evaluate(this.spec.test);
      this.history.push({ step: this.step, train, test });
      if (this.history.length > 2000) this.history = this.history.filter((_, i) => i % 2 === 0);
    }

    weightsDocument() {
      // what Module.save writes, so that Module.load reads it
      const parameters = {};
      this.spec.params.names.forEach((name, k) => { parameters[name] = this.params[k]; });
      const m = this.spec.model;
      return { format: m.fileFormat, version: m.fileVersion, class: m.class, model: m.signature, parameters };
    }
  }

  return { PRIMITIVES, compile, forward, backward, epochOrder, batchIndices, Trainer };
})();
