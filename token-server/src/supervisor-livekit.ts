import {
  type AnalysisStatusMessage,
  encodeAgentMessage,
  ROLE_ATTRIBUTE,
  TOPICS,
  withAnalysisStatus,
} from '@interview-helper/protocol';
import { AgentDispatchClient, DataPacket_Kind, RoomServiceClient } from 'livekit-server-sdk';
import { type TokenServerConfig, toHttpUrl } from './config.js';
import type { AgentRoomApi, DispatchState, RoomMember } from './supervisor-api.js';

/** LiveKit's participant kind of agent jobs (`ParticipantInfo.Kind.AGENT`). */
export const AGENT_PARTICIPANT_KIND = 4;

/** A participant as LiveKit describes it (webhooks, `listParticipants`). */
export interface LivekitParticipant {
  identity: string;
  kind?: number;
  attributes?: Record<string, string>;
}

/** The supervisor's view of a LiveKit participant. */
export function roomMember(p: LivekitParticipant): RoomMember {
  const role = p.attributes?.[ROLE_ATTRIBUTE];
  return { identity: p.identity, agent: p.kind === AGENT_PARTICIPANT_KIND, ...(role ? { role } : {}) };
}

/** {@link AgentRoomApi} over LiveKit's RoomService and AgentDispatch APIs with the token server's credentials. */
export class LivekitAgentRoomApi implements AgentRoomApi {
  readonly #rooms: RoomServiceClient;
  readonly #dispatch: AgentDispatchClient;
  readonly #agentName: string;

  constructor(config: TokenServerConfig, options: { timeoutSeconds?: number } = {}) {
    const url = toHttpUrl(config.livekitUrl);
    const opts = { requestTimeout: options.timeoutSeconds ?? 5 };
    this.#rooms = new RoomServiceClient(url, config.livekitApiKey, config.livekitApiSecret, opts);
    this.#dispatch = new AgentDispatchClient(url, config.livekitApiKey, config.livekitApiSecret, opts);
    this.#agentName = config.agentName;
  }

  async listParticipants(roomName: string): Promise<RoomMember[]> {
    const rooms = await this.#rooms.listRooms([roomName]);
    if (rooms.length === 0) return [];
    return (await this.#rooms.listParticipants(roomName)).map(roomMember);
  }

  async createDispatch(roomName: string, metadata: string): Promise<string> {
    const dispatch = await this.#dispatch.createDispatch(roomName, this.#agentName, { metadata });
    return dispatch.id;
  }

  async dispatchState(roomName: string, dispatchId?: string): Promise<DispatchState> {
    const found = dispatchId
      ? [await this.#dispatch.getDispatch(dispatchId, roomName)]
      : await this.#dispatch.listDispatch(roomName);
    const ours = found.filter((d) => d?.agentName === this.#agentName);
    // `createdAt` is in nanoseconds
    const made = ours.map((d) => Number((d?.state?.createdAt ?? 0n) / 1_000_000n)).filter((ms) => ms > 0);
    return {
      taken: ours.some((d) => (d?.state?.jobs.length ?? 0) > 0),
      ...(made.length > 0 ? { createdAt: Math.max(...made) } : {}),
    };
  }

  async removeParticipant(roomName: string, identity: string): Promise<void> {
    await this.#rooms.removeParticipant(roomName, identity);
  }

  async announce(roomName: string, status: AnalysisStatusMessage, interviewers: string[]): Promise<void> {
    const [room] = await this.#rooms.listRooms([roomName]);
    await this.#rooms.updateRoomMetadata(roomName, withAnalysisStatus(room?.metadata, status));
    if (interviewers.length === 0) return;
    const { bytes } = encodeAgentMessage(status);
    await this.#rooms.sendData(roomName, bytes, DataPacket_Kind.RELIABLE, {
      destinationIdentities: interviewers,
      topic: TOPICS.AGENT_TO_INTERVIEWERS,
    });
  }
}
