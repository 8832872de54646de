// Unpacking what page.py packs (compact.py): JSON, gzipped, written in base64.
//
// A notebook's player comes as one packed text: the player's script (player.js), its style
// and the walkthrough, about a tenth of their size, while the output's static picture (the
// top level's graph, shown where scripts do not run) is also the live player's first picture.
// The browser's own DecompressionStream unpacks it: no libraries.

async function chainruleGunzip(text) {
  // The JSON value gzipped into base64 `text`.
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

function chainruleCannotUnpack(root) {
  // Without DecompressionStream (a browser older than Chrome 80, Firefox 113, Safari 16.4) the
  // static picture stays, with a sentence that says why.
  if (typeof DecompressionStream !== "undefined") return false;
  const note = document.createElement("p");
  note.textContent = "This browser cannot unpack this walkthrough: it needs " +
    "DecompressionStream (Chrome 80, Firefox 113, Safari 16.4 or later).";
  root.appendChild(note);
  return true;
}

async function chainruleUnpackPlayer(root, text, options) {
  // Mount a notebook's packed player on `root`, which holds the static picture.
  if (chainruleCannotUnpack(root)) return null;
  const { script, css, data } = await chainruleGunzip(text);
  const picture = root.querySelector("img.cr-static").getAttribute("src");
  data.pictures[0].svg = decodeURIComponent(picture.slice(picture.indexOf(",") + 1));
  // The player's script defines its functions inside this one, and hands back the one that
  // mounts a player: nothing is added to the page's global names.
  const mount = new Function(script + "\nreturn chainruleMount;")();
  return mount(root, data, options, css);
}
