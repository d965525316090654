// uPlot's layout rules load with the page: the build wraps both lazy view imports below in one preload that lists
// only the candidate chunk's files, so CSS imported by the interviewer chunk was never loaded (the charts then
// overflowed their figures).
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { DevicePreview } from './devices.js';
import { h, showError } from './dom.js';
import { describeError, type UserFacingError } from './errors.js';
import { JoinForm, type JoinRequest } from './join-form.js';
import { type JoinParams, parseJoinParams } from './join-params.js';
import { ReportView } from './report-view.js';
import { connectionStatus, createRoom, joinRoom, playRemoteAudio } from './session.js';
import { endSession } from './session-end.js';
import { requestToken } from './token-client.js';

/** The role's view, loaded on its own: the code editor is only for candidates, the charts only for interviewers. */
type Views = {
  CandidateView: typeof import('./candidate-view.js').CandidateView;
  InterviewerView: typeof import('./interviewer-view.js').InterviewerView;
};
function loadViews(role: JoinParams['role']): Promise<Partial<Views>> {
  return role === 'interviewer' ? import('./interviewer-view.js') : import('./candidate-view.js');
}

/** Joins: token from the token server, room connection, published preview tracks, then the role's view. */
async function join(
  app: HTMLElement,
  params: JoinParams,
  preview: DevicePreview,
  form: JoinForm,
  request: JoinRequest,
  views: Promise<Partial<Views>>,
): Promise<UserFacingError | undefined> {
  let grant: Awaited<ReturnType<typeof requestToken>>;
  try {
    grant = await requestToken({
      session: params.session,
      role: params.role,
      invite: params.invite,
      name: request.name,
      ...(request.consent ? { consent: request.consent } : {}),
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
  const end = h('button', { type: 'button', className: 'danger', testid: 'end-session' }, 'End session');
  let view: InstanceType<Views['CandidateView']> | InstanceType<Views['InterviewerView']>;
  try {
    const { CandidateView, InterviewerView } = await views;
    if (grant.role === 'interviewer' && InterviewerView) view = new InterviewerView(room, status, self, end);
    else if (grant.role === 'candidate' && CandidateView)
      view = new CandidateView(room, status, self, {
        allowOptOut: grant.allowOptOut,
        accommodations: request.consent?.accommodations ?? [],
      });
    else throw new Error(`no view for the ${grant.role} role in this link`);
  } catch (error) {
    return {
      code: 'load_failed',
      message: `The page could not load: ${(error as Error).message}. Reload to try again.`,
    };
  }
  const audio = h('div', { hidden: true });
  playRemoteAudio(room, audio);
  const warnings: UserFacingError[] = [];
  try {
    // A Join pressed while the devices are still opening waits for them: the room gets camera and microphone.
    await preview.ready();
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
  // Interviewers: end the session for everyone (its room closes, the agent writes the report) and show the report.
  end.addEventListener('click', () => {
    end.disabled = leave.disabled = true;
    const search = new URLSearchParams({ session: params.session, invite: params.invite });
    history.replaceState(null, '', `/report?${search}`);
    const ending = h('p', { className: 'error', role: 'alert', hidden: true, testid: 'end-error' });
    void endSession(params.session, params.invite).then((r) => showError(ending, r.ok ? undefined : r));
    app.replaceChildren(
      h('header', {}, h('h1', {}, 'Interview ended')),
      ending,
      new ReportView(params.session, params.invite).element,
    );
    view.dispose();
    void room.disconnect().finally(() => preview.stop());
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
  if (location.pathname === '/report') {
    const q = new URLSearchParams(location.search);
    const session = q.get('session') ?? '';
    const invite = q.get('invite') ?? '';
    const banner = h('p', { className: 'error', role: 'alert', testid: 'error' });
    if (!session || !invite || session.length > 256 || invite.length > 256) {
      showError(banner, {
        code: 'missing_invite',
        message: 'This report link is incomplete: it needs the session and the interviewer invite.',
      });
      app.replaceChildren(h('h1', {}, 'Interview helper'), banner);
    } else {
      app.replaceChildren(h('h1', {}, 'Interview report'), new ReportView(session, invite).element);
    }
    return;
  }
  const parsed = parseJoinParams(location.search);
  if (!parsed.ok) {
    const banner = h('p', { className: 'error', role: 'alert', testid: 'error' });
    showError(banner, parsed.error);
    app.replaceChildren(h('h1', {}, 'Interview helper'), banner);
    return;
  }
  const preview = new DevicePreview();
  // start loading the role's view while the user fills in the form
  const views = loadViews(parsed.params.role);
  views.catch(() => {});
  const form: JoinForm = new JoinForm(parsed.params, preview, (request) =>
    join(app, parsed.params, preview, form, request, views),
  );
  app.replaceChildren(form.element);
  void form.start();
}

main();
