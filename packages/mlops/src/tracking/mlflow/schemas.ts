// zod shapes of the MLflow REST responses we read (only the fields we use; the rest passes through).
import { z } from 'zod';

export const experimentSchema = z
  .object({ experiment_id: z.string(), name: z.string(), artifact_location: z.string().optional() })
  .loose();
export const getExperimentResponse = z.object({ experiment: experimentSchema }).loose();
export const createExperimentResponse = z.object({ experiment_id: z.string() }).loose();

export const runInfoSchema = z
  .object({
    run_id: z.string(),
    experiment_id: z.string(),
    artifact_uri: z.string().optional(),
    status: z.string().optional(),
    run_name: z.string().optional(),
  })
  .loose();
export const runResponse = z.object({ run: z.object({ info: runInfoSchema }).loose() }).loose();
const kvList = z.array(z.object({ key: z.string(), value: z.string().optional() }).loose()).optional();
export const runSchema = z
  .object({
    info: runInfoSchema.extend({
      start_time: z.union([z.string(), z.number()]).optional(),
      end_time: z.union([z.string(), z.number()]).nullish(),
    }),
    data: z
      .object({
        tags: kvList,
        params: kvList,
        metrics: z.array(z.object({ key: z.string(), value: z.number().nullable().optional() }).loose()).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export const searchRunsResponse = z
  .object({ runs: z.array(runSchema).optional(), next_page_token: z.string().optional() })
  .loose();
export const getRunResponse = z.object({ run: runSchema }).loose();
export const metricHistoryResponse = z
  .object({
    metrics: z
      .array(
        z
          .object({
            key: z.string(),
            value: z.number().nullable().optional(),
            step: z.union([z.string(), z.number()]).optional(),
          })
          .loose(),
      )
      .optional(),
    next_page_token: z.string().optional(),
  })
  .loose();
export const emptyResponse = z.object({}).loose();

export const fileInfoSchema = z
  .object({ path: z.string(), is_dir: z.boolean().optional(), file_size: z.union([z.string(), z.number()]).optional() })
  .loose();
export const listArtifactsResponse = z.object({ files: z.array(fileInfoSchema).optional() }).loose();

export const modelVersionSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    source: z.string().optional(),
    run_id: z.string().optional(),
    status: z.string().optional(),
    creation_timestamp: z.union([z.string(), z.number()]).optional(),
    aliases: z.array(z.string()).optional(),
    tags: z.array(z.object({ key: z.string(), value: z.string().optional() }).loose()).optional(),
    description: z.string().optional(),
  })
  .loose();
export const modelVersionResponse = z.object({ model_version: modelVersionSchema }).loose();
export const searchModelVersionsResponse = z
  .object({ model_versions: z.array(modelVersionSchema).optional(), next_page_token: z.string().optional() })
  .loose();
export const registeredModelResponse = z
  .object({
    registered_model: z
      .object({
        name: z.string(),
        aliases: z.array(z.object({ alias: z.string(), version: z.string() }).loose()).optional(),
        tags: z.array(z.object({ key: z.string(), value: z.string().optional() }).loose()).optional(),
      })
      .loose(),
  })
  .loose();
