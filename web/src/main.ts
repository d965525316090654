import './style.css';
import { CandidateView } from './candidate-view.js';
import { DevicePreview } from './devices.js';
import { h, showError } from './dom.js';
import { describeError, type UserFacingError } from './errors.js';
import { InterviewerView } from './interviewer-view.js';
import { JoinForm, type JoinRequest } from './join-form.js';
import { type JoinParams, parseJoinParams } from './join-params.js';
import { connectionStatus, createRoom, joinRoom, playRemoteAudio } from './session.js';
import { requestToken } from './token-client.js';

/** Joins: token from the token server, room connection, published preview tracks, then the role's view. */
async function join(
  app: HTMLElement,
  params: JoinParams,
  preview: DevicePreview,
  form: JoinForm,
  request: JoinRequest,
): Promise<UserFacingError | undefined> {
  let grant: Awaited<ReturnType<typeof requestToken>>;
  try {
    grant = await requestToken({
      session: params.session,
      role: params.role,
      invite: params.invite,
      name: request.name,
    });
  } catch (error) {
    return describeError(error);
  }
  const room = createRoom(grant);
  const banner = h('p', { className: 'error', role: 'alert', hidden: true, testid: 'error' });
  const status = connectionStatus(room, banner);
  const self = h('video', {
    muted: true,
    autoplay: true,
    playsInline: true,
    className: 'tile self',
    testid: 'self-video',
  });
  preview.camera?.attach(self);
  const view =
    grant.role === 'interviewer'
      ? new InterviewerView(room, status, self)
      : new CandidateView(room, status, self);
  const audio = h('div', { hidden: true });
  playRemoteAudio(room, audio);
  const warnings: UserFacingError[] = [];
  try {
    await joinRoom(room, grant, preview.tracks, (warning) => warnings.push(warning));
  } catch (error) {
    await room.disconnect();
    return describeError(error);
  }
  form.dispose();
  const leave = h('button', { type: 'button', testid: 'leave' }, 'Leave');
  leave.addEventListener('click', () => {
    leave.disabled = true;
    void room.disconnect().then(() => preview.stop());
  });
  app.replaceChildren(
    h(
      'header',
      {},
      h('h1', {}, 'Interview'),
      h(
        'span',
        { testid: 'identity', attrs: { 'data-role': grant.role, 'data-identity': grant.identity } },
        `${request.name} · ${grant.role}`,
      ),
      leave,
    ),
    banner,
    view.element,
    audio,
  );
  showError(banner, warnings[0]);
  window.addEventListener('pagehide', () => void room.disconnect());
  return undefined;
}

function main(): void {
  const app = document.getElementById('app');
  if (!app) throw new Error('index.html has no #app element');
  const parsed = parseJoinParams(location.search);
  if (!parsed.ok) {
    const banner = h('p', { className: 'error', role: 'alert', testid: 'error' });
    showError(banner, parsed.error);
    app.replaceChildren(h('h1', {}, 'Interview helper'), banner);
    return;
  }
  const preview = new DevicePreview();
  const form: JoinForm = new JoinForm(parsed.params, preview, (request) =>
    join(app, parsed.params, preview, form, request),
  );
  app.replaceChildren(form.element);
  void form.start();
}

main();
