// 工作任务: show the organisation list only when "指定党组织" is chosen (the confirm dialogs of
// form[data-confirm] come from core/app.js).
(function () {
  function syncTargets(form) {
    var picked = form.querySelector('input[name="mode"]:checked');
    var pick = form.querySelector('[data-office-pick]');
    if (pick) { pick.hidden = !(picked && picked.value === 'pick'); }
  }
  document.querySelectorAll('[data-office-targets]').forEach(function (form) {
    form.addEventListener('change', function () { syncTargets(form); });
    syncTargets(form);
  });
})();
