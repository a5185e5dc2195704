// zod shapes of the MLflow REST responses we read (only the fields we use; the rest passes through).
import { z } from 'zod';

export const experimentSchema = z.object({ experiment_id: z.string(), name: z.string(), artifact_location: z.string().optional() }).loose();
export const getExperimentResponse = z.object({ experiment: experimentSchema }).loose();
export const createExperimentResponse = z.object({ experiment_id: z.string() }).loose();

export const runInfoSchema = z
  .object({ run_id: z.string(), experiment_id: z.string(), artifact_uri: z.string().optional(), status: z.string().optional(), run_name: z.string().optional() })
  .loose();
export const runResponse = z.object({ run: z.object({ info: runInfoSchema }).loose() }).loose();
export const emptyResponse = z.object({}).loose();

export const fileInfoSchema = z.object({ path: z.string(), is_dir: z.boolean().optional(), file_size: z.union([z.string(), z.number()]).optional() }).loose();
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
export const searchModelVersionsResponse = z.object({ model_versions: z.array(modelVersionSchema).optional(), next_page_token: z.string().optional() }).loose();
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
