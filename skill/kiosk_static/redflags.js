// The catalogue's red-flag rules, run in the page so a typed emergency is shown at once,
// even when the kiosk's server cannot be reached. It must give the same verdict as the
// server: the question is normalized exactly as the Python is, then it is a red flag when
// any pattern is found and no not_pattern is (tests/test_kiosk_offline.py compares both).
(function () {
  "use strict";

  // Python: t = q.lower().replace("\u2019", "'"); t = re.sub(r"[^a-z0-9' ]+", " ", t);
  //         t = " ".join(t.split())
  function normalize(question) {
    const text = String(question).toLowerCase().replace(/\u2019/g, "'")
      .replace(/[^a-z0-9' ]+/g, " ");
    return text.split(" ").filter(Boolean).join(" ");
  }

  // Compile the rules shipped in the page data; report any a browser cannot read.
  function compile(rules) {
    const broken = [];
    function regexps(sources) {
      const out = [];
      for (const source of sources || []) {
        try {
          out.push(new RegExp(source));
        } catch (error) {
          broken.push(source);
        }
      }
      return out;
    }
    const patterns = regexps(rules && rules.patterns);
    const notPatterns = regexps(rules && rules.not_patterns);
    if (broken.length) {
      // Loud on purpose: the tests fail on console errors, and staff see it in the console.
      console.error("Red-flag patterns this browser cannot read: " + JSON.stringify(broken));
    }
    return {
      broken: broken,
      isRedFlag: function (question) {
        const text = normalize(question);
        return patterns.some(function (p) { return p.test(text); })
          && !notPatterns.some(function (p) { return p.test(text); });
      },
    };
  }

  window.KioskRedFlags = Object.freeze({ normalize: normalize, compile: compile });
})();
