/* The playground's views and controls: what the learner sees of the Trainer (playground.js).
 *
 * The decision boundary (or regression curve) over the data, the loss and accuracy curves,
 * and the network, each neuron drawn as a thumbnail of its output over the input plane and
 * each edge coloured by its weight and thickened by its gradient. Clicking a weight opens its
 * gradient as a sum over the examples and its update; clicking a neuron opens its arithmetic
 * for one example. Every element is found inside the playground's own root: a notebook may
 * show several playgrounds on one page.
 */
"use strict";

(function (cr) {
  if (cr.start) return;
  const ORANGE = [232, 119, 46], BLUE = [47, 111, 181];  // class 0, class 1; weight < 0, > 0
  const SPEEDS = [1, 2, 5, 10, 20];
  const BATCHES = [null, 1, 10, 25];

  function fmt(x) {
    if (!Number.isFinite(x)) return String(x);
    const a = Math.abs(x);
    return a !== 0 && (a < 1e-4 || a >= 1e5) ? x.toExponential(4) : String(Number(x.toPrecision(6)));
  }

  function el(tag, attrs, parent) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  const TEMPLATE = `
  <div class="crpg-controls">
    <button data-role="play" title="play or pause (space)">&#9654; Play</button>
    <button data-role="step" title="one training step (s)">Step</button>
    <button data-role="reset" title="back to the starting weights (r)">Reset</button>
    <label>Speed <select data-role="speed" title="steps per frame (+ and -)"></select></label>
    <label>Learning rate <input data-role="lr" type="number" step="any" min="0" title="learning rate ([ halves, ] doubles)"></label>
    <label>Optimizer <select data-role="optimizer" title="optimizer (o)"><option value="sgd">SGD</option><option value="adam">Adam</option></select></label>
    <label>Batch <select data-role="batch" title="examples per step (b)"></select></label>
    <button data-role="download" title="save the weights as JSON that Module.load reads (d)">Download weights</button>
  </div>
  <p class="crpg-status" data-role="status" aria-live="polite"></p>
  <div class="crpg-views">
    <figure class="crpg-panel crpg-network"><figcaption>The network: click a neuron or an edge (a weight) to open it</figcaption>
      <canvas data-role="network" class="crpg-net" aria-label="the network: click a neuron or an edge"></canvas>
      <p class="crpg-legend">Each square shows what a neuron outputs over the input plane. Edges: blue weights are positive, orange negative; thicker edges have larger gradients.</p></figure>
    <figure class="crpg-panel"><figcaption data-role="plane-title">Decision boundary</figcaption>
      <canvas data-role="plane" width="320" height="320"></canvas>
      <p class="crpg-legend" data-role="plane-legend"></p></figure>
    <figure class="crpg-panel"><figcaption>Loss and accuracy</figcaption>
      <canvas data-role="loss" width="320" height="150"></canvas>
      <canvas data-role="accuracy" width="320" height="110"></canvas>
      <p class="crpg-legend" data-role="chart-legend"></p></figure>

  </div>
  <section class="crpg-detail" data-role="detail" hidden></section>
  <p class="crpg-keys">Keys: space play/pause, s step, r reset, + and - speed, [ and ] learning rate, o optimizer, b batch, d download.</p>`;

  function start(root, spec, staticPicture) {
    if (staticPicture) staticPicture.remove();  // the script runs: the live view replaces it
    root.innerHTML = TEMPLATE;
    const $ = (role) => root.querySelector(`[data-role="${role}"]`);
    const trainer = new cr.Trainer(spec);
    const G = spec.grid, nin = spec.model.sizes[0];
    const [[x0, x1], [y0, y1] = [0, 1]] = spec.extent;
    const classification = spec.task === "classification";
    const view = { playing: false, speed: 1, frame: null, selected: null };

    // the grid of points the model is evaluated on, for the plane and the thumbnails
    const gridPoints = [];
    if (nin === 2) {
      for (let j = 0; j < G; j++) for (let i = 0; i < G; i++)
        gridPoints.push([x0 + (i + 0.5) / G * (x1 - x0), y1 - (j + 0.5) / G * (y1 - y0)]);
    } else {
      for (let i = 0; i < G; i++) gridPoints.push([x0 + (i + 0.5) / G * (x1 - x0)]);
    }
    const neurons = spec.programs[classification ? "0" : "any"].neurons;
    const gridPrediction = new Float64Array(gridPoints.length);
    const gridNeurons = neurons.map(() => new Float64Array(gridPoints.length));

    function evaluateGrid() {
      const prog = trainer.programs[classification ? "0" : "any"];
      gridPoints.forEach((x, g) => {
        cr.forward(prog, x, 0, trainer.params, prog.prediction);
        gridPrediction[g] = prog.values[prog.prediction];
        neurons.forEach(([, , node], n) => { gridNeurons[n][g] = prog.values[node]; });
      });
    }

    // --- controls ------------------------------------------------------------------------------
    SPEEDS.forEach((s) => el("option", { value: s }, $("speed")).textContent = `${s} step${s > 1 ? "s" : ""}/frame`);
    BATCHES.forEach((b) => el("option", { value: b === null ? "all" : b }, $("batch")).textContent =
      b === null ? `all ${spec.train.X.length}` : `${b} per step`);
    if (spec.batchSize !== null && !BATCHES.includes(spec.batchSize)) {
      el("option", { value: spec.batchSize }, $("batch")).textContent = `${spec.batchSize} per step`;
    }
    $("batch").value = spec.batchSize === null ? "all" : String(spec.batchSize);
    $("lr").value = trainer.lr;
    $("optimizer").value = trainer.optimizer;

    function setPlaying(on) {
      view.playing = on;
      $("play").innerHTML = on ? "&#10074;&#10074; Pause" : "&#9654; Play";
      if (on && view.frame === null) view.frame = requestAnimationFrame(loop);
    }
    function loop() {
      view.frame = null;
      if (!view.playing) return;
      for (let k = 0; k < view.speed; k++) trainer.trainStep();
      trainer.record();
      draw();
      view.frame = requestAnimationFrame(loop);
    }
    function stepOnce() { setPlaying(false); trainer.trainStep(); trainer.record(); draw(); }
    function reset() { setPlaying(false); trainer.reset(); trainer.record(); draw(); }
    function setLearningRate(value) {
      if (Number.isFinite(value) && value > 0) { trainer.lr = value; $("lr").value = fmt(value); }
      else { $("lr").value = fmt(trainer.lr); }
      drawDetail();
    }
    function setSpeed(delta) {
      const i = Math.min(SPEEDS.length - 1, Math.max(0, SPEEDS.indexOf(view.speed) + delta));
      view.speed = SPEEDS[i];
      $("speed").value = view.speed;
    }
    function setBatch(value) {
      trainer.batchSize = value === "all" ? null : Number(value);
      $("batch").value = value;
      drawDetail();
    }
    function download() {
      const text = JSON.stringify(trainer.weightsDocument(), null, 1) + "\n";
      const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/json" })),
        download: "weights.json" });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    }
    $("play").addEventListener("click", () => setPlaying(!view.playing));
    $("step").addEventListener("click", stepOnce);
    $("reset").addEventListener("click", reset);
    $("speed").addEventListener("change", (e) => { view.speed = Number(e.target.value); });
    $("lr").addEventListener("change", (e) => setLearningRate(Number(e.target.value)));
    $("optimizer").addEventListener("change", (e) => { trainer.setOptimizer(e.target.value); drawDetail(); });
    $("batch").addEventListener("change", (e) => setBatch(e.target.value));
    $("download").addEventListener("click", download);
    root.tabIndex = 0;
    root.addEventListener("keydown", (e) => {
      if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) return;
      const options = [...$("batch").options].map((o) => o.value);
      const actions = {
        " ": () => setPlaying(!view.playing), s: stepOnce, r: reset,
        "+": () => setSpeed(1), "=": () => setSpeed(1), "-": () => setSpeed(-1),
        "[": () => setLearningRate(trainer.lr / 2), "]": () => setLearningRate(trainer.lr * 2),
        o: () => { const name = trainer.optimizer === "sgd" ? "adam" : "sgd"; $("optimizer").value = name; trainer.setOptimizer(name); drawDetail(); },
        b: () => setBatch(options[(options.indexOf($("batch").value) + 1) % options.length]),
        d: download,
      };
      const action = actions[e.key];
      if (action) { e.preventDefault(); action(); }
    });

    // --- the input plane -----------------------------------------------------------------------
    const plane = $("plane"), pc = plane.getContext("2d");
    const cells = document.createElement("canvas");
    cells.width = G; cells.height = nin === 2 ? G : 1;
    const cellsImage = cells.getContext("2d").createImageData(cells.width, cells.height);
    const yRange = (() => {
      if (classification) return [y0, y1];
      const ys = spec.train.y.concat(spec.test ? spec.test.y : []);
      const low = Math.min(...ys), high = Math.max(...ys), pad = Math.max((high - low) * 0.1, 0.5);
      return [low - pad, high + pad];
    })();
    const toCanvas = (a, b, w, h) => [(a - x0) / (x1 - x0) * w, (yRange[1] - b) / (yRange[1] - yRange[0]) * h];

    function colorOf(score, range) {
      // a score's colour: orange below 0, blue above, paler towards 0
      const t = Math.max(-1, Math.min(1, score / range));
      const c = t < 0 ? ORANGE : BLUE, s = Math.abs(t) * 0.75;
      return [255 + (c[0] - 255) * s, 255 + (c[1] - 255) * s, 255 + (c[2] - 255) * s];
    }
    function paint(image, values, range) {
      for (let g = 0; g < values.length; g++) {
        const [r, gr, b] = colorOf(values[g], range);
        image.data.set([r, gr, b, 255], 4 * g);
      }
    }
    function points(ctx, w, h, set, test) {
      if (!set) return;
      set.X.forEach((x, i) => {
        const [cx, cy] = toCanvas(x[0], nin === 2 ? x[1] : set.y[i], w, h);
        ctx.beginPath();
        ctx.arc(cx, cy, 3.2, 0, 2 * Math.PI);
        const c = classification ? (set.y[i] === 1 ? BLUE : ORANGE) : ORANGE;
        ctx.fillStyle = test ? "#fff" : `rgb(${c})`;
        ctx.strokeStyle = test ? `rgb(${c})` : "#fff";
        ctx.lineWidth = test ? 1.8 : 0.8;
        ctx.fill(); ctx.stroke();
      });
    }
    function drawPlane() {
      const w = plane.width, h = plane.height;
      pc.clearRect(0, 0, w, h);
      if (nin === 2) {
        paint(cellsImage, gridPrediction, spec.loss === "bce" ? 4 : 1.5);
        cells.getContext("2d").putImageData(cellsImage, 0, 0);
        pc.imageSmoothingEnabled = true;
        pc.drawImage(cells, 0, 0, w, h);
      } else {
        pc.strokeStyle = `rgb(${BLUE})`; pc.lineWidth = 2; pc.beginPath();
        gridPoints.forEach(([a], g) => {
          const [cx, cy] = toCanvas(a, gridPrediction[g], w, h);
          if (g === 0) pc.moveTo(cx, cy); else pc.lineTo(cx, cy);
        });
        pc.stroke();
      }
      points(pc, w, h, spec.train, false);
      points(pc, w, h, spec.test, true);
    }
    $("plane-title").textContent = classification ? "Decision boundary" : "Regression curve";
    $("plane-legend").textContent = classification
      ? "filled dots: training points; rings: test points; colour: the class the model predicts"
      : "dots: training points; rings: test points; line: the model's prediction";

    // --- loss and accuracy curves -------------------------------------------------------------
    function curve(canvas, pick, low, high, label) {
      const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
      ctx.clearRect(0, 0, w, h);
      ctx.fillStyle = "#555"; ctx.font = "11px sans-serif";
      ctx.fillText(label, 4, 12);
      const rows = trainer.history;
      if (rows.length < 1) return;
      const last = Math.max(1, rows[rows.length - 1].step);
      [["train", "#2f6fb5"], ["test", "#e8772e"]].forEach(([which, color]) => {
        ctx.strokeStyle = color; ctx.lineWidth = 1.5; ctx.beginPath();
        let started = false;
        rows.forEach((row) => {
          const v = row[which] ? pick(row[which]) : null;
          if (v === null || !Number.isFinite(v)) return;
          const cx = row.step / last * (w - 8) + 4, cy = h - 4 - (Math.min(v, high) - low) / (high - low || 1) * (h - 20);
          if (started) ctx.lineTo(cx, cy); else { ctx.moveTo(cx, cy); started = true; }
        });
        ctx.stroke();
      });
    }
    function drawCurves() {
      const rows = trainer.history, first = rows[0];
      const top = first ? Math.max(1e-9, ...rows.slice(0, 5).map((r) => r.train.loss).filter(Number.isFinite)) : 1;
      const now = rows[rows.length - 1];
      curve($("loss"), (r) => r.loss, 0, top, `loss (train ${now ? fmt(now.train.loss) : "-"}` +
        (now && now.test ? `, test ${fmt(now.test.loss)})` : ")"));
      $("accuracy").hidden = !classification;
      if (classification) {
        curve($("accuracy"), (r) => r.accuracy, 0, 1, `accuracy (train ${now ? fmt(now.train.accuracy) : "-"}` +
          (now && now.test ? `, test ${fmt(now.test.accuracy)})` : ")"));
      }
      $("chart-legend").innerHTML = '<span class="crpg-train">&#9644; train</span> <span class="crpg-test">&#9644; test</span>';
    }

    // --- the network ---------------------------------------------------------------------------
    // One canvas: edges as lines, neurons as thumbnails drawn from small canvases of their own.
    // (An SVG of a line per weight and a canvas per neuron took ten times longer to render.)
    const sizes = spec.model.sizes, net = $("network"), nctx = net.getContext("2d");
    // columns of boxes T units wide, 8 apart, under a line of captions 18 units high
    const T = 30, gapX = 110, TOP = 18, height = TOP + Math.max(...sizes) * (T + 8) + 12;
    const width = (sizes.length - 1) * gapX + T + 40, SCALE = Math.max(1, Math.min(2, window.devicePixelRatio || 1));
    net.width = width * SCALE; net.height = height * SCALE;
    net.style.maxWidth = `${Math.max(320, 640 * width / height)}px`;
    const place = (layer, j) => [20 + layer * gapX, TOP + (height - TOP - T) / 2 + (j - (sizes[layer] - 1) / 2) * (T + 8)];
    const captions = sizes.map((_, layer) => (layer === 0 ? "inputs"
      : layer === sizes.length - 1 ? `output (${spec.model.activations[layer - 1]})`
        : `layer ${layer - 1} (${spec.model.activations[layer - 1]})`));
    // parameter k of neuron (layer i, j): weights "layers.i.neurons.j.w.m", then ".b"
    const names = spec.params.names;
    const edges = [];  // weight k from node (layer, m) into neuron (layer + 1, j), as a segment
    names.forEach((name, k) => {
      const parts = name.split(".");
      if (parts[4] !== "w") return;
      const layer = Number(parts[1]), j = Number(parts[3]), m = Number(parts[5]);
      const [ax, ay] = place(layer, m), [bx, by] = place(layer + 1, j);
      edges.push({ k, name, a: [ax + T, ay + T / 2], b: [bx, by + T / 2], width: 1, color: "" });
    });
    const thumbs = [];  // every input and neuron: its box and its own small canvas
    sizes.forEach((n, layer) => {
      for (let j = 0; j < n; j++) {
        const [x, y] = place(layer, j);
        const canvas = document.createElement("canvas");
        canvas.width = G; canvas.height = nin === 2 ? G : 1;
        const thumb = { x, y, canvas, layer: layer - 1, j };
        if (layer === 0) { thumb.input = j; thumb.name = `input x${j}`; }
        else {
          thumb.neuron = neurons.findIndex(([l, jj]) => l === layer - 1 && jj === j);
          thumb.name = `layers.${layer - 1}.neurons.${j}: click to open`;
        }
        thumbs.push(thumb);
      }
    });
    const thumbImage = thumbs[0].canvas.getContext("2d").createImageData(G, nin === 2 ? G : 1);
    const inputValues = [0, 1].map((i) => Float64Array.from(gridPoints, (p) => p[i] === undefined ? 0 : p[i]));

    function mix(c, s) { return `rgb(${c.map((v) => Math.round(255 + (v - 255) * s)).join(",")})`; }
    function drawNetwork() {
      const grads = trainer.grads, s = view.selected;
      let top = 1e-12;
      for (const e of edges) top = Math.max(top, Math.abs(grads[e.k]));
      nctx.setTransform(SCALE, 0, 0, SCALE, 0, 0);
      nctx.clearRect(0, 0, width, height);
      for (const e of edges) {  // colour: the weight's sign, paler when small; width: its gradient
        const w = trainer.params[e.k];
        e.color = mix(w < 0 ? ORANGE : BLUE, Math.min(1, 0.15 + Math.abs(w) / 2));
        e.width = 0.6 + 4 * Math.abs(grads[e.k]) / top;
        nctx.strokeStyle = e.color; nctx.lineWidth = e.width;
        nctx.beginPath(); nctx.moveTo(...e.a); nctx.lineTo(...e.b); nctx.stroke();
      }
      const chosen = s !== null && s.kind === "weight" ? edges.find((edge) => edge.k === s.k) : undefined;
      if (chosen !== undefined) {  // a bias has no edge
        const e = chosen;
        nctx.strokeStyle = "#111"; nctx.lineWidth = e.width + 1.5;
        nctx.beginPath(); nctx.moveTo(...e.a); nctx.lineTo(...e.b); nctx.stroke();
      }
      nctx.fillStyle = "#444"; nctx.font = "11px sans-serif"; nctx.textAlign = "center";
      captions.forEach((text, layer) => nctx.fillText(text, 20 + layer * gapX + T / 2, 12));
      nctx.imageSmoothingEnabled = true;
      for (const t of thumbs) {
        const values = t.input !== undefined ? inputValues[t.input] : gridNeurons[t.neuron];
        let range = 1e-9;
        for (let g = 0; g < values.length; g++) range = Math.max(range, Math.abs(values[g]));
        paint(thumbImage, values, range);
        t.canvas.getContext("2d").putImageData(thumbImage, 0, 0);
        nctx.drawImage(t.canvas, t.x, t.y, T, T);
        const open = s !== null && s.kind === "neuron" && s.layer === t.layer && s.j === t.j;
        nctx.strokeStyle = open ? "#111" : "#888"; nctx.lineWidth = open ? 2.5 : 1;
        nctx.strokeRect(t.x, t.y, T, T);
      }
    }

    function hit(event) {
      // what the pointer is on: a neuron's box, else the nearest edge within 5 units
      const box = net.getBoundingClientRect();
      const x = (event.clientX - box.left) * width / box.width, y = (event.clientY - box.top) * height / box.height;
      const thumb = thumbs.find((t) => x >= t.x && x <= t.x + T && y >= t.y && y <= t.y + T);
      if (thumb) return thumb;
      let best = null, nearest = 5;
      for (const e of edges) {
        const [ax, ay] = e.a, [bx, by] = e.b, dx = bx - ax, dy = by - ay;
        const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
        const distance = Math.hypot(x - ax - t * dx, y - ay - t * dy);
        if (distance < nearest) { nearest = distance; best = e; }
      }
      return best;
    }
    net.addEventListener("click", (event) => {
      const target = hit(event);
      if (target && target.k !== undefined) select({ kind: "weight", k: target.k });
      else if (target && target.neuron !== undefined) select({ kind: "neuron", layer: target.layer, j: target.j, sample: 0 });
    });
    net.addEventListener("mousemove", (event) => {
      const target = hit(event);
      net.title = target ? target.name : "";
      net.style.cursor = target && target.input === undefined ? "pointer" : "default";
    });
    function pointOf(target) {
      // where on the screen a weight (by parameter index) or a neuron ([layer, j]) is drawn
      const box = net.getBoundingClientRect();
      let x, y;
      if (typeof target === "number") {
        const e = edges.find((edge) => edge.k === target);
        [x, y] = [(e.a[0] + e.b[0]) / 2, (e.a[1] + e.b[1]) / 2];
      } else {
        const t = thumbs.find((th) => th.layer === target[0] && th.j === target[1]);
        [x, y] = [t.x + T / 2, t.y + T / 2];
      }
      return { x: box.left + x * box.width / width, y: box.top + y * box.height / height };
    }

    // --- drill-down: a weight, or a neuron ------------------------------------------------------
    function select(what) {
      view.selected = what;
      setPlaying(false);
      draw();
      $("detail").scrollIntoView({ block: "nearest" });  // on a phone it opens below the views
    }
    function drawDetail() {
      const box = $("detail"), s = view.selected;
      box.hidden = s === null;
      if (s === null) return;
      box.innerHTML = "";
      const close = el("button", { class: "crpg-close", title: "close" }, box);
      close.textContent = "Close";
      close.addEventListener("click", () => { view.selected = null; draw(); });
      if (s.kind === "weight") weightDetail(box, s.k);
      else {
        // its weights and bias, each open to its gradient and update (a bias has no edge to click)
        const own = el("p", { class: "crpg-own" }, box);
        own.append("Its parameters: ");
        const prefix = `layers.${s.layer}.neurons.${s.j}.`;
        names.forEach((name, k) => {
          if (!name.startsWith(prefix)) return;
          const button = el("button", { "data-param": name }, own);
          button.textContent = name.slice(prefix.length);
          button.addEventListener("click", () => select({ kind: "weight", k }));
        });
        cr.neuronDetail(box, trainer, s, (sample) => { s.sample = sample; drawDetail(); });
      }
    }
    function line(box, text, cls) { const p = el("p", cls ? { class: cls } : {}, box); p.textContent = text; return p; }
    function weightDetail(box, k) {
      const name = names[k], w = trainer.params[k];
      el("h3", {}, box).textContent = `Weight ${name}`;
      line(box, `value now: ${name} = ${fmt(w)}  (after ${trainer.step} steps)`);
      const chosen = trainer.batch(), shares = [];
      const saved = Float64Array.from(trainer.grads);
      const loss = trainer.gradient(chosen, (i, own) => shares.push([i, own[k]]));
      const g = trainer.grads[k];
      line(box, `The next step's batch: ${chosen.length} example${chosen.length > 1 ? "s" : ""}, loss L = ${fmt(loss)}. ` +
        `L = (l1 + l2 + ...) / ${chosen.length}, so ∂L/∂${name} is the sum of each example's ∂li/∂${name} / ${chosen.length}:`);
      // the examples that move this weight, largest share first; the rest give exactly 0
      const moving = shares.filter(([, v]) => v !== 0).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
      const list = el("ol", { class: "crpg-shares" }, box);
      moving.slice(0, 12).forEach(([i, share]) => {
        el("li", {}, list).textContent = `example ${i} (${spec.train.X[i].map(fmt).join(", ")}; ${classification ? "class" : "target"} ${spec.train.y[i]}): ${fmt(share)}`;
      });
      if (moving.length > 12) line(box, `... and ${moving.length - 12} more`);
      const zeros = shares.length - moving.length;
      if (zeros) line(box, `${zeros} example${zeros > 1 ? "s give" : " gives"} exactly 0` + (spec.loss === "hinge" ? " (among them those already beyond the margin: relu(1 - y·score) is flat there)" : ""));
      const terms = moving.slice(0, 4).map(([, v]) => fmt(v));
      line(box, `∂L/∂${name} = ${terms.length ? terms.join(" + ") : "0"}${moving.length > 4 ? " + ..." : ""} = ${fmt(g)}`, "crpg-sum");
      const lr = trainer.lr;
      if (trainer.optimizer === "sgd" && spec.optimizer.momentum === 0) {
        line(box, `SGD update: ${name} ← ${name} - lr × ∂L/∂${name} = ${fmt(w)} - ${fmt(lr)} × ${fmt(g)} = ${fmt(w - lr * g)}`, "crpg-sum");
      } else if (trainer.optimizer === "sgd") {
        const mu = spec.optimizer.momentum, b0 = trainer.state.momentum ? trainer.state.momentum[k] : null;
        const b = b0 === null ? g : mu * b0 + g;
        line(box, b0 === null ? `momentum buffer starts at the gradient: b = ${fmt(g)}`
          : `momentum buffer: b ← ${fmt(mu)} × ${fmt(b0)} + ${fmt(g)} = ${fmt(b)}`);
        line(box, `SGD update: ${name} ← ${name} - lr × b = ${fmt(w)} - ${fmt(lr)} × ${fmt(b)} = ${fmt(w - lr * b)}`, "crpg-sum");
      } else {
        const [b1, b2] = spec.optimizer.betas, eps = spec.optimizer.eps, t = trainer.state.t + 1;
        const m = b1 * trainer.state.m[k] + (1 - b1) * g, v = b2 * trainer.state.v[k] + (1 - b2) * g * g;
        const stepSize = lr / (1 - b1 ** t), den = Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps;
        line(box, `Adam, step t = ${t}: m ← ${b1} × ${fmt(trainer.state.m[k])} + ${fmt(1 - b1)} × ${fmt(g)} = ${fmt(m)}; ` +
          `v ← ${b2} × ${fmt(trainer.state.v[k])} + ${fmt(1 - b2)} × ${fmt(g)}² = ${fmt(v)}`);
        line(box, `${name} ← ${name} - lr / (1 - β1^t) × m / (√v / √(1 - β2^t) + ε) = ${fmt(w)} - ${fmt(stepSize)} × ${fmt(m)} / ${fmt(den)} = ${fmt(w - stepSize * (m / den))}`, "crpg-sum");
      }
      trainer.grads.set(saved);
    }

    function drawStatus() {
      const now = trainer.history[trainer.history.length - 1];
      const parts = [`step ${trainer.step}`, `train loss ${fmt(now.train.loss)}`];
      if (classification) parts.push(`train accuracy ${fmt(now.train.accuracy)}`);
      if (now.test) parts.push(`test loss ${fmt(now.test.loss)}`);
      if (now.test && classification) parts.push(`test accuracy ${fmt(now.test.accuracy)}`);
      $("status").textContent = parts.join(" · ");
    }

    function draw() {
      evaluateGrid();
      drawPlane();
      drawCurves();
      drawNetwork();
      drawStatus();
      if (!view.playing) drawDetail();
    }

    trainer.record();
    draw();
    root.classList.add("crpg-live");
    root.playground = { edges, pointOf, trainer, draw, setPlaying, stepOnce, reset, select, view };
    return root.playground;
  }

  cr.start = start;
  cr.fmt = fmt;
})(window.chainrulePlayground);
