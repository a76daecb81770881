/* OrderHub console: the live anomaly popup (toast + a short beep for 复核 and 拦截) and small
   helpers. No inline scripts anywhere (the Content-Security-Policy forbids them). */
(function () {
  "use strict";
  var LEVELS = { 1: "提醒", 2: "复核", 3: "拦截" };
  var audio = null;

  function beep(level) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      if (audio.state === "suspended") audio.resume();
      var times = level >= 3 ? 2 : 1;
      for (var i = 0; i < times; i++) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        var start = audio.currentTime + i * 0.25;
        osc.type = "sine";
        osc.frequency.value = level >= 3 ? 1046 : 880;
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.2);
        osc.connect(gain).connect(audio.destination);
        osc.start(start);
        osc.stop(start + 0.22);
      }
      document.body.dataset.lastBeep = String(level);
    } catch (e) { /* no sound is no reason to lose the toast */ }
  }

  function toast(a) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast l" + a.level;
    el.setAttribute("role", "alert");
    el.dataset.anomaly = a.anomaly_id;
    var title = document.createElement("strong");
    title.textContent = (LEVELS[a.level] || a.level) + " · " + a.rule_id + " " + a.rule_name;
    var text = document.createElement("p");
    text.textContent = a.popup;
    var link = document.createElement("a");
    link.href = "/orders/" + encodeURIComponent(a.order_id);
    link.textContent = a.order_id;
    var close = document.createElement("button");
    close.className = "link close";
    close.textContent = "知道了";
    close.addEventListener("click", function () { el.remove(); });
    el.append(title, text, link, close);
    box.prepend(el);
    setTimeout(function () { el.classList.add("fade"); }, 20000);
    setTimeout(function () { el.remove(); }, 21000);
  }

  function listen(url) {
    var source = new EventSource(url);
    source.addEventListener("anomaly", function (event) {
      var a = JSON.parse(event.data);
      if (a.level >= 2) { toast(a); beep(a.level); }
      document.body.dispatchEvent(new CustomEvent("anomaly-arrived", { detail: a }));
    });
    source.addEventListener("open", function () { document.body.dataset.live = "connected:" + url; });
  }

  // Browsers allow sound only after the person has touched the page once.
  document.addEventListener("click", function () {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx && !audio) audio = new Ctx();
  }, { once: true });

  document.addEventListener("DOMContentLoaded", function () {
    var url = document.body.dataset.live;
    if (url && url.charAt(0) === "/") listen(url);
  });
})();

/* The board's countdowns: minutes left to each ship deadline, red under 4 hours. */
(function () {
  "use strict";
  var URGENT_MS = 4 * 3600 * 1000;
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (cell) {
      var left = Date.parse(cell.dataset.deadline) - now;
      if (isNaN(left)) return;
      var minutes = Math.floor(Math.abs(left) / 60000);
      var text = Math.floor(minutes / 60) + " 小时 " + (minutes % 60) + " 分";
      cell.textContent = left < 0 ? "已超时 " + text : "剩 " + text;
      var row = cell.closest("tr");
      if (row) {
        row.classList.toggle("overdue", left < 0);
        row.classList.toggle("urgent", left >= 0 && left < URGENT_MS);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
  document.addEventListener("htmx:afterSwap", tick);
})();
