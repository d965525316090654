/** Names, labels and buckets of the agent's Prometheus metrics, shared by job processes and the worker. */
export const METRIC = {
  analyserSeconds: 'interview_agent_analyser_processing_seconds',
  analyserFrames: 'interview_agent_analyser_frames_total',
  analyserDropped: 'interview_agent_analyser_frames_dropped_total',
  analyserQueue: 'interview_agent_analyser_queue_depth',
  analyserLag: 'interview_agent_analyser_lag_seconds',
  analysisLag: 'interview_agent_analysis_lag_seconds',
  audioLost: 'interview_agent_audio_lost_seconds_total',
  hintLatency: 'interview_agent_hint_latency_seconds',
  sttLatency: 'interview_agent_stt_latency_seconds',
  jobRss: 'interview_agent_job_resident_memory_bytes',
  jobHeap: 'interview_agent_job_heap_used_bytes',
  jobCpu: 'interview_agent_job_cpu_seconds_total',
  activeRooms: 'interview_agent_active_rooms',
  jobRestarts: 'interview_agent_job_restarts_total',
  jobsLost: 'interview_agent_jobs_lost_total',
  pushesRejected: 'interview_agent_metrics_pushes_rejected_total',
  sttQueue: 'interview_agent_stt_queue_depth',
  sttInFlight: 'interview_agent_stt_in_flight',
  sttRequests: 'interview_agent_stt_recognizer_requests',
} as const;

/** Buckets (seconds) of an analyser's time on one sample: 0.5 ms … 2.5 s. */
export const ANALYSER_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Buckets (seconds) from a triggering event to its hint's delivery. */
export const HINT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
/** Buckets (seconds) from the end of speech to its final transcript. */
export const STT_BUCKETS = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];
