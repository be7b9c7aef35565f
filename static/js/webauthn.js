// Passkeys and security keys (tokens/webauthn.py): the page carries the options the server
// made (a JSON data block, no inline script), or the form names where to ask them
// (data-webauthn-options); on submit the browser asks the key, and the key's answer goes back
// in the hidden "credential" field of the same form.
// A form marked data-webauthn-autofill (the login page's "Inloggen met passkey") is hidden
// until the browser can use passkeys and the options are in, and lets the browser offer the
// passkeys in the e-mail field's autofill too (conditional mediation) until the button is
// pressed.
(function () {
  "use strict";

  const form = document.querySelector("form[data-webauthn]");
  const optionsBlock = document.getElementById("webauthn-options");
  if (!form || !(optionsBlock || form.dataset.webauthnOptions)) {
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

  // Asked once, when the page opens: a key must be asked within the click that wants it.
  const options = optionsBlock
    ? Promise.resolve(JSON.parse(optionsBlock.textContent))
    : fetch(form.dataset.webauthnOptions, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      }).then(function (response) {
        return response.ok ? response.json() : Promise.reject(new Error(response.status));
      });
  let ready = null; // the options, once in

  // The autofill's request waits until a passkey is chosen there, or the button aborts it.
  let offered = null;

  function offerInAutofill() {
    if (!PublicKeyCredential.isConditionalMediationAvailable) {
      return;
    }
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      if (!available) {
        return;
      }
      offered = new AbortController();
      navigator.credentials
        .get({ publicKey: publicKey(ready), mediation: "conditional", signal: offered.signal })
        .then(send, function (error) {
          if (error.name !== "AbortError") {
            show("webauthn-cancelled");
          }
        });
    });
  }

  options.then(function (loaded) {
    ready = loaded;
    if (autofill) {
      form.hidden = false;
      const summary = form.querySelector(".error-summary");
      if (summary) {
        summary.focus();
      }
      offerInAutofill();
    }
  });

  form.addEventListener("submit", function (event) {
    if (field.value) {
      return; // the key has answered: let the form go
    }
    event.preventDefault();
    if (!ready || !form.reportValidity()) {
      return;
    }
    if (offered) {
      offered.abort();
      offered = null;
    }
    button.disabled = true;
    show("webauthn-waiting");
    const asked =
      ceremony === "create"
        ? navigator.credentials.create({ publicKey: publicKey(ready) })
        : navigator.credentials.get({ publicKey: publicKey(ready) });
    asked.then(send, function () {
      // Cancelled, timed out, or a key this account does not know: try again from a new page.
      button.disabled = false;
      show("webauthn-cancelled");
    });
  });
})();
