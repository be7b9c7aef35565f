// Passkeys and security keys (tokens/webauthn.py): the page's form carries the options the
// server made (a JSON data block, no inline script); on submit the browser asks the key, and
// the key's answer goes back in the hidden "credential" field of the same form.
// A form marked data-webauthn-autofill (the login page's "Inloggen met passkey") is hidden
// until the browser can use passkeys, and lets the browser offer them in the e-mail field's
// autofill too (conditional mediation) until the button is pressed.
(function () {
  "use strict";

  const form = document.querySelector("form[data-webauthn]");
  const optionsBlock = document.getElementById("webauthn-options");
  if (!form || !optionsBlock) {
    return;
  }
  const ceremony = form.dataset.webauthn; // "create" or "get"
  const field = form.querySelector("input[name='credential']");
  const button = form.querySelector("button[type='submit']");

  function show(id) {
    document.querySelectorAll("[data-webauthn-message]").forEach(function (element) {
      element.hidden = element.id !== id;
    });
    const shown = document.getElementById(id);
    if (shown) {
      shown.focus();
    }
  }

  const autofill = form.hasAttribute("data-webauthn-autofill");
  if (!window.PublicKeyCredential || !navigator.credentials) {
    if (!autofill) {
      show("webauthn-unsupported");
      button.disabled = true;
    }
    return;
  }
  form.hidden = false;
  if (form.querySelector(".error-summary")) {
    form.querySelector(".error-summary").focus();
  }

  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) {
      return c.charCodeAt(0);
    }).buffer;
  }

  function toText(buffer) {
    let binary = "";
    new Uint8Array(buffer).forEach(function (b) {
      binary += String.fromCharCode(b);
    });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBytes(descriptors) {
    return (descriptors || []).map(function (descriptor) {
      return Object.assign({}, descriptor, { id: toBytes(descriptor.id) });
    });
  }

  function publicKey(options) {
    const copy = Object.assign({}, options, { challenge: toBytes(options.challenge) });
    if (ceremony === "create") {
      copy.user = Object.assign({}, options.user, { id: toBytes(options.user.id) });
      copy.excludeCredentials = withBytes(options.excludeCredentials);
    } else {
      copy.allowCredentials = withBytes(options.allowCredentials);
    }
    return copy;
  }

  function answer(credential) {
    const response = credential.response;
    const out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (ceremony === "create") {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      out.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return out;
  }

  function send(credential) {
    field.value = JSON.stringify(answer(credential));
    form.submit();
  }

  // The autofill's request waits until a passkey is chosen there, or the button aborts it.
  let offered = null;
  if (autofill && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      if (!available) {
        return;
      }
      offered = new AbortController();
      navigator.credentials
        .get({
          publicKey: publicKey(JSON.parse(optionsBlock.textContent)),
          mediation: "conditional",
          signal: offered.signal,
        })
        .then(send, function () {
          // Aborted by the button, or no passkey here: the autofill just offers none. Never an
          // error on a page the person has only opened.
        });
    });
  }

  form.addEventListener("submit", function (event) {
    if (field.value) {
      return; // the key has answered: let the form go
    }
    event.preventDefault();
    if (!form.reportValidity()) {
      return;
    }
    if (offered) {
      offered.abort();
      offered = null;
    }
    button.disabled = true;
    show("webauthn-waiting");
    const options = publicKey(JSON.parse(optionsBlock.textContent));
    const asked =
      ceremony === "create"
        ? navigator.credentials.create({ publicKey: options })
        : navigator.credentials.get({ publicKey: options });
    asked.then(send, function () {
      // Cancelled, timed out, or a key this account does not know: try again from a new page.
      button.disabled = false;
      show("webauthn-cancelled");
    });
  });
})();
