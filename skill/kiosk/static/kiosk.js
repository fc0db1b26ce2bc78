// The clinic kiosk: play one answer at a time with its words on screen, answer typed
// questions, and go back to the start screen when nobody has touched it for a while.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("kiosk-data").textContent);
  const body = document.body;
  const player = document.getElementById("player");
  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  const emergency = document.getElementById("emergency");
  const answer = document.getElementById("answer");
  const title = document.getElementById("answer-title");
  const caption = document.getElementById("caption");
  const note = document.getElementById("caption-note");
  const stopButton = document.getElementById("stop");
  const nextButton = document.getElementById("next-step");
  const backButton = document.getElementById("back-to-list");
  const questions = document.getElementById("questions");
  const start = document.getElementById("start");
  const choiceList = document.getElementById("choices");

  // Ready a few milliseconds after the page loads, long before anyone has typed a question;
  // a question typed sooner waits for it.
  let redFlags = null;
  const redFlagsReady = readRedFlags(data.red_flags_packed);
  const emergencyClip = data.emergency
    ? { title: "", caption: data.emergency.caption, audio: data.emergency.audio }
    : null;

  const NO_RECORDING = "There is no recording of this answer, so it is shown as text only.";
  const CANNOT_PLAY = "The recording could not be played, so the answer is shown as text only.";

  // Every playable piece by clip id: answers, and for the steps topic its intro and steps.
  const clips = {};
  for (const group of data.groups) {
    for (const q of group.questions) {
      clips[q.intent] = { title: q.label, caption: q.caption, audio: q.audio };
      if (q.intro) {
        clips[q.intro.id] = { title: q.label, caption: q.intro.caption, audio: q.intro.audio,
                              steps: q.steps, next: 0 };
      }
      q.steps.forEach(function (step, index) {
        clips[step.id] = { title: "Step " + step.number + " of " + q.steps.length,
                           caption: step.caption, audio: step.audio, steps: q.steps,
                           next: index + 1 };
      });
    }
  }

  let current = null;       // the clip on screen
  let activeButton = null;  // the button that started it
  let askNumber = 0;        // answers to older questions are dropped when they arrive late
  // An emergency message stays on screen through the idle reset until someone touches it.
  let holdingEmergency = false;

  // The page's own red-flag check (red-flags.js). A rule this browser cannot read is said
  // out loud in the console; the server still checks every question it can be reached for.
  // A browser that had to ask the server for the rules and could not reach it keeps asking,
  // so its offline check is back as soon as the server is, without a reload; a typed
  // question does not wait for those later tries.
  const RULES_RETRY_MS = 3000;
  function readRedFlags(packed) {
    function read() {
      return RedFlags.unpack(packed, body.dataset.questionsUrl)
        .then(function (rules) { redFlags = new RedFlags(rules); });
    }
    function askAgain() {
      window.setTimeout(function () { read().catch(askAgain); }, RULES_RETRY_MS);
    }
    return read().catch(function (error) {
      console.error("Red-flag rules this browser cannot read: " + error.message);
      if (RedFlags.asksServer()) askAgain();
    });
  }

  function isRedFlag(question) {
    return redFlags !== null && redFlags.find(question) !== null;
  }

  function stopAudio() {
    player.pause();
    if (activeButton) activeButton.classList.remove("playing");
  }

  function clearScreen() {
    stopAudio();
    player.removeAttribute("src");
    player.load();
    current = null;
    activeButton = null;
    holdingEmergency = false;
    emergency.textContent = "";
    title.textContent = "";
    caption.textContent = "";
    note.textContent = "";
    title.hidden = true;
    clearChoices();
    nextButton.hidden = true;
    backButton.hidden = true;
    answer.classList.remove("shown");
  }

  function clearChoices() {
    choiceList.replaceChildren();
    choiceList.hidden = true;
  }

  function scrollBehavior() {
    return window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
  }

  // Focus only once the target is on screen, so focus never lands somewhere out of sight.
  function scrollThenFocus(target, block) {
    let done = false;
    function focusTarget() {
      if (done) return;
      done = true;
      window.removeEventListener("scrollend", focusTarget);
      target.focus({ preventScroll: true });
    }
    const box = target.getBoundingClientRect();
    const behavior = scrollBehavior();
    if (box.top >= 0 && box.bottom <= window.innerHeight) {
      // Stop any smooth scroll still under way, which would carry the target off screen.
      window.scrollTo({ top: window.scrollY, left: window.scrollX, behavior: "instant" });
      focusTarget();
      return;
    }
    target.scrollIntoView({ block: block, behavior: behavior });
    if (behavior === "auto") {
      focusTarget();
    } else {
      window.addEventListener("scrollend", focusTarget);
      setTimeout(focusTarget, 1500);  // in case the list was already where it would go
    }
  }

  function bringIntoView(element) {
    const box = element.getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight * 0.6) {
      element.scrollIntoView({ block: "start", behavior: scrollBehavior() });
    }
  }

  // Show a clip's words, then play it; with no usable recording, say so and show the words.
  function present(clip, button, isEmergency) {
    stopAudio();
    current = clip;
    activeButton = button || null;
    holdingEmergency = Boolean(isEmergency);
    clearChoices();
    emergency.textContent = isEmergency ? clip.caption : "";
    title.textContent = isEmergency ? "" : clip.title;
    // An empty heading is noise to a screen reader; the live region around it stays.
    title.hidden = !title.textContent;
    caption.textContent = isEmergency ? "" : clip.caption;
    // The emergency box says all there is to say; a note about its recording would distract.
    note.textContent = clip.audio || isEmergency ? "" : NO_RECORDING;
    answer.classList.toggle("shown", !isEmergency);
    updateNextStep();
    // On a narrow or portrait screen the answer sits above the list, so the list scrolls
    // away when the answer is brought into view; this takes the patient back to it.
    backButton.hidden = false;
    backButton.dataset.clip = button ? button.dataset.clip || "" : "";
    bringIntoView(isEmergency ? emergency : answer);
    if (!clip.audio) {
      player.removeAttribute("src");
      player.load();
      return;
    }
    if (activeButton) activeButton.classList.add("playing");
    player.src = clip.audio;
    player.play().catch(function (error) {
      // AbortError only means another clip was chosen before this one started.
      if (error.name !== "AbortError" && current === clip && !isEmergency) {
        note.textContent = CANNOT_PLAY;
      }
    });
  }

  function updateNextStep() {
    const steps = current && current.steps;
    if (steps && current.next < steps.length) {
      nextButton.textContent = "Next: step " + (current.next + 1) + " of " + steps.length;
      nextButton.hidden = false;
    } else {
      nextButton.hidden = true;
    }
  }

  for (const button of document.querySelectorAll("button[data-clip]")) {
    button.addEventListener("click", function () {
      const clip = clips[button.dataset.clip];
      if (clip) present(clip, button, false);
    });
  }

  nextButton.addEventListener("click", function () {
    if (!current || !current.steps) return;
    const step = current.steps[current.next];
    const button = document.querySelector('button[data-clip="' + step.id + '"]');
    present(clips[step.id], button, false);
    // After the last step the Next button goes; focus moves to the step's heading instead
    // of dropping to the page.
    if (nextButton.hidden) title.focus({ preventScroll: true });
  });

  stopButton.addEventListener("click", stopAudio);
  player.addEventListener("ended", stopAudio);
  player.addEventListener("error", function () {
    if (current && current.audio && player.getAttribute("src")) {
      if (!emergency.textContent) note.textContent = CANNOT_PLAY;
      stopAudio();
    }
  });

  // "Did you mean?": the likely topics as large buttons; a tap plays that topic's answer.
  function showChoices(reply) {
    present({ title: reply.title, caption: "", audio: null }, null, false);
    note.textContent = "";  // nothing is played until a choice is tapped
    for (const choice of reply.choices) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "question choice";
      button.dataset.choice = choice.intent;
      button.textContent = choice.label;
      button.addEventListener("click", function () { playChoice(choice); });
      const item = document.createElement("li");
      item.appendChild(button);
      choiceList.appendChild(item);
    }
    choiceList.hidden = false;
  }

  function playChoice(choice) {
    const isEmergency = choice.intent === data.emergency?.intent;
    const clip = isEmergency ? emergencyClip : clips[choice.intent]
      || { title: choice.label, caption: choice.caption, audio: choice.audio };
    const listed = questions.querySelector(
      'button.question[data-clip="' + CSS.escape(choice.intent) + '"]');
    present(clip, listed, isEmergency);
    // The tapped choice went with the list: keep focus on what took its place.
    (isEmergency ? emergency : title).focus({ preventScroll: true });
  }

  function showMessage(text) {
    present({ title: "", caption: text, audio: null }, null, false);
    note.textContent = "";
  }

  backButton.addEventListener("click", function () {
    const clip = backButton.dataset.clip;
    const tapped = clip ? questions.querySelector('[data-clip="' + CSS.escape(clip) + '"]') : null;
    // The whole list is taller than the screen: show its start, not its middle.
    scrollThenFocus(tapped || questions, tapped ? "center" : "start");
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) {
      showMessage("Please type a question first.");
      input.focus();
      return;
    }
    const number = ++askNumber;
    redFlagsReady.then(function () {
      if (number !== askNumber) return;
      if (emergencyClip && isRedFlag(question)) {
        // Checked here first: an emergency never waits for, or needs, the server.
        present(emergencyClip, null, true);
        return;
      }
      askServer(question, number);
    });
  });

  function askServer(question, number) {
    showMessage("Finding the answer…");
    fetch(body.dataset.askUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: question }),
    })
      .then(function (response) {
        return response.json().then(function (reply) {
          if (number !== askNumber) return;
          if (!response.ok) {
            showMessage(reply.error || "Sorry, that did not work. Please try again.");
          } else if (reply.choices && reply.choices.length) {
            showChoices(reply);
          } else {
            present({ title: reply.title || "Your question", caption: reply.caption,
                      audio: reply.audio }, null, reply.emergency);
          }
        });
      })
      .catch(function () {
        if (number === askNumber) {
          showMessage("Sorry, the kiosk could not answer just now. Please ask a member of staff.");
        }
      });
  }

  // Back to the start screen after a quiet spell, for the next patient. Listening counts
  // as activity: the timer runs from the end of the clip.
  const param = Number(new URLSearchParams(window.location.search).get("idle"));
  const idleSeconds = param > 0 ? param : Number(body.dataset.idleSeconds) || 120;
  let lastActivity = Date.now();
  let atStart = true;

  function touched() {
    lastActivity = Date.now();
    atStart = false;
    holdingEmergency = false;
  }
  for (const name of ["pointerdown", "keydown", "input", "wheel", "touchstart"]) {
    window.addEventListener(name, touched, { capture: true, passive: true });
  }

  function resetToStart() {
    clearScreen();
    input.value = "";
    askNumber++;
    window.scrollTo(0, 0);
    for (const scroller of document.querySelectorAll(".questions, .answer-panel")) {
      scroller.scrollTop = 0;
    }
    start.focus({ preventScroll: true });
    atStart = true;
    body.dataset.resets = String(Number(body.dataset.resets || 0) + 1);
  }

  setInterval(function () {
    if (!player.paused) lastActivity = Date.now();
    if (holdingEmergency) return;
    if (!atStart && Date.now() - lastActivity >= idleSeconds * 1000) resetToStart();
  }, 250);
})();
