// The network page's one script (Bridgework's own, MIT): hovering or focusing a team highlights
// its ties and says them in the caption. Without it, each team's tooltip lists them.
(function () {
  "use strict";
  var svg = document.getElementById("network");
  var said = document.getElementById("network-focus");
  if (!svg || !said) { return; }
  var idle = said.textContent;
  function show(team) {
    var id = team.getAttribute("data-team");
    svg.classList.add("focused");
    team.classList.add("on");
    svg.querySelectorAll(".tie").forEach(function (tie) {
      var lit = tie.getAttribute("data-a") === id || tie.getAttribute("data-b") === id;
      tie.classList.toggle("lit", lit);
    });
    var title = team.querySelector("title");
    said.textContent = title ? title.textContent : idle;
  }
  function hide(team) {
    svg.classList.remove("focused");
    team.classList.remove("on");
    svg.querySelectorAll(".tie.lit").forEach(function (tie) { tie.classList.remove("lit"); });
    said.textContent = idle;
  }
  svg.querySelectorAll(".team").forEach(function (team) {
    team.addEventListener("mouseenter", function () { show(team); });
    team.addEventListener("focus", function () { show(team); });
    team.addEventListener("mouseleave", function () { hide(team); });
    team.addEventListener("blur", function () { hide(team); });
  });
}());
