import type { JoinConsent } from '@interview-helper/protocol';
import { AccommodationChoice, joinConsent } from './consent-panel.js';
import type { DevicePreview } from './devices.js';
import { disclosure } from './disclosure.js';
import { h, showError } from './dom.js';
import type { DeviceKind, UserFacingError } from './errors.js';
import type { JoinParams } from './join-params.js';

/** What the form hands over when the person presses Join. */
export interface JoinRequest {
  name: string;
  /** The candidate's consent (sent with the token request and recorded for their identity). */
  consent?: JoinConsent;
}

/**
 * The join form: display name, device preview with camera and microphone pickers, for candidates the disclosure
 * and a consent checkbox. `onJoin` runs on submit; while it runs the form is disabled, and an error it returns is
 * shown so the person can retry.
 */
export class JoinForm {
  readonly element: HTMLElement;
  readonly #error: HTMLElement;
  readonly #button: HTMLButtonElement;
  readonly #name: HTMLInputElement;
  readonly #consent: HTMLInputElement | undefined;
  readonly #preview: DevicePreview;
  #meterTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    params: JoinParams,
    preview: DevicePreview,
    onJoin: (request: JoinRequest) => Promise<UserFacingError | undefined>,
  ) {
    this.#preview = preview;
    const candidate = params.role === 'candidate';
    this.#error = h('p', { className: 'error', role: 'alert', hidden: true, testid: 'error' });
    this.#name = h('input', {
      name: 'name',
      required: true,
      maxLength: 64,
      autocomplete: 'name',
      value: params.name ?? '',
      testid: 'name',
    });
    const accommodations = candidate ? new AccommodationChoice() : undefined;
    this.#consent = candidate
      ? h('input', { type: 'checkbox', name: 'consent', testid: 'consent' })
      : undefined;
    this.#button = h('button', { type: 'submit', testid: 'join' }, 'Join');
    const form = h(
      'form',
      { className: 'join-form', noValidate: true },
      h('label', {}, 'Your name ', this.#name),
      candidate
        ? disclosure(undefined, accommodations?.element)
        : h(
            'p',
            { className: 'note' },
            'You will see the assistant’s signals and hints. They describe observable behaviour only, never emotions.',
          ),
      this.#consent &&
        h(
          'label',
          { className: 'consent' },
          this.#consent,
          ' I have read this and agree that the assistant analyses my camera and microphone as described.',
        ),
      this.#button,
    );
    form.addEventListener('input', () => this.#update());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!this.#ready()) return;
      this.#setBusy(true);
      showError(this.#error, undefined);
      void onJoin({
        name: this.#name.value.trim(),
        ...(accommodations ? { consent: joinConsent(accommodations.value) } : {}),
      })
        .then((error) => {
          if (error) showError(this.#error, error);
        })
        .finally(() => this.#setBusy(false));
    });

    this.element = h(
      'section',
      { className: 'join', testid: 'join-view', attrs: { 'data-role': params.role } },
      h('h1', {}, candidate ? 'Join the interview as the candidate' : 'Join the interview as an interviewer'),
      this.#error,
      h('div', { className: 'columns' }, this.#devices(), form),
    );
    this.#update();
  }

  /** Opens the devices and fills the pickers; device errors are shown but do not block joining. */
  async start(): Promise<void> {
    const errors = await this.#preview.start();
    if (errors[0])
      showError(
        this.#error,
        errors.length > 1 ? { ...errors[0], message: errors.map((e) => e.message).join(' ') } : errors[0],
      );
    const video = this.element.querySelector<HTMLVideoElement>('video');
    if (video && this.#preview.camera) this.#preview.camera.attach(video);
    for (const kind of ['camera', 'microphone'] as const) await this.#fillPicker(kind);
    const meter = this.element.querySelector<HTMLMeterElement>('meter');
    this.#meterTimer = setInterval(() => {
      if (meter) meter.value = this.#preview.level();
    }, 100);
  }

  /** Stops the level meter (the tracks stay open: they are published). */
  dispose(): void {
    clearInterval(this.#meterTimer);
    void this.#preview.stop(false);
  }

  #devices(): HTMLElement {
    const picker = (kind: DeviceKind) => {
      const select = h('select', { name: kind, testid: `${kind === 'camera' ? 'camera' : 'mic'}-select` });
      select.addEventListener('change', () => {
        void this.#preview.use(kind, select.value).then((error) => showError(this.#error, error));
      });
      return h('label', {}, kind === 'camera' ? 'Camera ' : 'Microphone ', select);
    };
    return h(
      'div',
      { className: 'devices' },
      h('video', {
        muted: true,
        autoplay: true,
        playsInline: true,
        className: 'tile',
        testid: 'preview-video',
      }),
      picker('camera'),
      picker('microphone'),
      h('label', {}, 'Level ', h('meter', { min: 0, max: 1, value: 0, testid: 'mic-level' })),
    );
  }

  async #fillPicker(kind: DeviceKind): Promise<void> {
    const select = this.element.querySelector<HTMLSelectElement>(`select[name="${kind}"]`);
    if (!select) return;
    const [devices, active] = await Promise.all([
      this.#preview.devices(kind).catch(() => []),
      this.#preview.activeDevice(kind),
    ]);
    select.replaceChildren(
      ...devices.map((d, i) =>
        h('option', { value: d.deviceId, selected: d.deviceId === active }, d.label || `${kind} ${i + 1}`),
      ),
    );
    select.disabled = devices.length < 2;
  }

  #ready(): boolean {
    return this.#name.value.trim().length > 0 && (this.#consent?.checked ?? true);
  }

  #update(): void {
    this.#button.disabled = !this.#ready() || this.#button.dataset.busy === 'true';
  }

  #setBusy(busy: boolean): void {
    this.#button.dataset.busy = String(busy);
    this.#button.textContent = busy ? 'Joining…' : 'Join';
    this.#update();
  }
}
