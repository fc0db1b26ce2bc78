// The red-flag check, run in the page before a typed question goes to the server, so an
// emergency is answered even when the server cannot be reached. Same rules and the same
// reading of the question as the server: skill.catalogue red_flag_text() and
// Catalogue.red_flag(). A signal is set aside only when a not_when phrase covers it whole,
// and never when a "now" word starts inside that phrase before the signal or is the very
// next word after it.
(function (global) {
  "use strict";

  function compile(sources) {
    return sources.map(function (source) { return new RegExp(source, "g"); });
  }

  function spans(pattern, text) {
    return Array.from(text.matchAll(pattern), function (m) {
      return [m.index, m.index + m[0].length];
    });
  }

  function RedFlags(rules) {
    this.apostrophes = rules.apostrophes;
    this.everywhere = compile(rules.everywhere);
    this.now = compile(rules.now || []);
    this.categories = rules.categories.map(function (category) {
      return { id: category.id, signals: compile(category.signals),
               notWhen: compile(category.not_when) };
    });
  }

  // Lower case, plain apostrophes, everything but a-z, 0-9, ' and space made a space.
  RedFlags.prototype.text = function (question) {
    const apostrophes = this.apostrophes;
    const cleaned = question.toLowerCase().replace(/\u2019/g, "'").replace(/[^a-z0-9' ]+/g, " ");
    return cleaned.split(" ").filter(Boolean).map(function (word) {
      return Object.prototype.hasOwnProperty.call(apostrophes, word) ? apostrophes[word] : word;
    }).join(" ");
  };

  // Return the id of the first category the question names, or null.
  RedFlags.prototype.find = function (question) {
    const text = this.text(question);
    const now = [];
    for (const pattern of this.now) {
      for (const [at] of spans(pattern, text)) now.push(at);
    }
    for (const category of this.categories) {
      const covers = [];
      for (const pattern of this.everywhere.concat(category.notWhen)) {
        covers.push.apply(covers, spans(pattern, text));
      }
      for (const signal of category.signals) {
        for (const [start, end] of spans(signal, text)) {
          const present = now.some(function (at) { return at === end || at === end + 1; });
          const setAside = !present && covers.some(function (c) {
            return c[0] <= start && end <= c[1] &&
              !now.some(function (at) { return c[0] <= at && at < start; });
          });
          if (!setAside) return category.id;
        }
      }
    }
    return null;
  };

  // The page carries the rules gzipped, in base64 (a third of their size as JSON); the
  // browser's own DecompressionStream unpacks them from the page itself, with no request.
  // A browser without it (before Chrome 80, Firefox 113, Safari 16.4) asks the server that
  // has just served the page for them plainly.
  RedFlags.asksServer = function () { return typeof DecompressionStream === "undefined"; };

  RedFlags.unpack = function (packed, plainUrl) {
    if (RedFlags.asksServer()) {
      return fetch(plainUrl).then(function (response) {
        if (!response.ok) throw new Error("the server gave " + response.status);
        return response.json();
      }).then(function (data) { return data.red_flags; });
    }
    const bytes = Uint8Array.from(atob(packed), function (c) { return c.charCodeAt(0); });
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).json();
  };

  global.RedFlags = RedFlags;
})(window);
