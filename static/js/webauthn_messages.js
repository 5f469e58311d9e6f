// A security key or passkey that fails or is cancelled: allauth's webauthn.js sends an "allauth.error" event;
// the page's own message (#webauthn-error, in the page's language) is shown instead of a console error.
(function () {
  document.addEventListener('allauth.error', function (event) {
    var tags = (event.detail && event.detail.tags) || []
    var message = document.getElementById('webauthn-error')
    if (tags.indexOf('webauthn') === -1 || !message) {
      return
    }
    event.preventDefault()
    message.hidden = false
    message.setAttribute('tabindex', '-1')
    message.focus()
  })
})()
