/* A list's filters fold on a small screen: the results come first, the filters one tap away
 * (the panel is a <details>, open as served, so without JavaScript nothing is hidden). */
(function () {
  "use strict";
  var filters = document.getElementById("filters");
  if (filters && window.matchMedia("(max-width: 50rem)").matches) filters.open = false;
})();
