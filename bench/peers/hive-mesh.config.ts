// GraphQL Mesh v1 compose config for the `hive` benchmark peer: Intercom's own OpenAPI description (2.16) turned into a
// subgraph by @omnigraph/openapi, pointed at the given base URL with the demo token. The spec's contacts only carry
// references ({id, type, url}) to tags, companies and notes, so the documented way to follow them is used:
// additionalTypeDefs whose @resolveTo calls the generated root fields of the spec's own operations (findTag,
// RetrieveACompanyById, listNotes) with the reference's id. Each is one upstream call per reference: none of those
// operations takes a list of ids, so there is nothing to batch into.
// Run as a build step: `INTERCOM_URL=http://127.0.0.1:PORT npx mesh-compose -c hive-mesh.config.ts -o supergraph.graphql`
// (bench/peers/hive.ts does this once per upstream URL).
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const intercomUrl = process.env.INTERCOM_URL;
if (!intercomUrl) throw new Error('INTERCOM_URL is not set: the base URL the composed subgraph calls');

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('Intercom', {
        source: new URL('../../../shared/upstreams/intercom-openapi.yaml', import.meta.url).pathname,
        endpoint: intercomUrl,
        operationHeaders: { Authorization: 'Bearer ic_test_demo', 'Intercom-Version': '2.16' },
      }),
    },
  ],
  // Type names are the generated ones: Addressable_List is the spec's addressable_list (a contact's tag and note
  // references share it), Company_Data a contact's company reference, ShowContact_200_response what ShowContact
  // answers. The linked fields answer the operations' own result unions (the record, or Intercom's error list).
  additionalTypeDefs: /* GraphQL */ `
    extend type Addressable_List {
      tag: findTag_response
        @resolveTo(
          sourceName: "Intercom"
          sourceTypeName: "Query"
          sourceFieldName: "findTag"
          requiredSelectionSet: "{ id }"
          sourceArgs: { tag_id: "{root.id}" }
        )
    }
    extend type Company_Data {
      company: RetrieveACompanyById_response
        @resolveTo(
          sourceName: "Intercom"
          sourceTypeName: "Query"
          sourceFieldName: "RetrieveACompanyById"
          requiredSelectionSet: "{ id }"
          sourceArgs: { company_id: "{root.id}" }
        )
    }
    extend type ShowContact_200_response {
      note_list: listNotes_response
        @resolveTo(
          sourceName: "Intercom"
          sourceTypeName: "Query"
          sourceFieldName: "listNotes"
          requiredSelectionSet: "{ id }"
          sourceArgs: { contact_id: "{root.id}" }
        )
    }
  `,
});
