// The plan form: the attendee picker and guide topics follow the organisation and type, the
// lecturer fields show for types with a lecturer (党课), and a guide topic fills the topic.
(function () {
  "use strict";
  var script = document.currentScript;
  var helpersUrl = script.dataset.helpersUrl;
  var fixedOrganization = script.dataset.organization || "";
  var form = document.getElementById("plan-form");
  if (!form) { return; }
  var typeSelect = form.querySelector("#id_meeting_type");
  var organizationSelect = form.querySelector("#id_organization");

  function lecturerTypes() {
    return (typeSelect.dataset.hasLecturer || "").split(",").filter(Boolean);
  }

  function toggleLecturer() {
    var box = form.querySelector("[data-lecturer-fields]");
    if (box && typeSelect) { box.hidden = lecturerTypes().indexOf(typeSelect.value) === -1; }
  }

  function countChosen() {
    var counter = form.querySelector("[data-attendee-count]");
    if (counter) {
      counter.textContent = form.querySelectorAll("input[name=attendees]:checked").length;
    }
  }

  function reloadHelpers() {
    var organization = organizationSelect ? organizationSelect.value : fixedOrganization;
    var query = "?organization=" + encodeURIComponent(organization || "") +
      "&meeting_type=" + encodeURIComponent(typeSelect ? typeSelect.value : "");
    window.htmx.ajax("GET", helpersUrl + query, {
      target: "#attendee-picker", swap: "outerHTML", indicator: "#picker-loading"
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target === typeSelect) { toggleLecturer(); }
    if (event.target === organizationSelect || (event.target === typeSelect && !fixedOrganization)) {
      reloadHelpers();
    }
    if (event.target.name === "attendees") { countChosen(); }
  });

  form.addEventListener("click", function (event) {
    var topic = event.target.closest("[data-guide-topic]");
    if (topic) {
      form.querySelector("#id_topic").value = topic.dataset.guideTopic;
      form.querySelector("#id_guide").value = topic.dataset.guide;
      form.querySelectorAll("[data-guide-topic]").forEach(function (item) {
        item.classList.toggle("active", item === topic);
      });
      form.querySelector("#id_topic").focus();
      return;
    }
    var bulk = event.target.closest("[data-attendees]");
    if (bulk) {
      form.querySelectorAll("input[name=attendees]").forEach(function (box) {
        box.checked = bulk.dataset.attendees === "all";
      });
      countChosen();
    }
  });

  toggleLecturer();
})();
