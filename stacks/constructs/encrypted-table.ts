import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";

export interface TableIndex {
  readonly name: string;
  readonly partitionKey: string;
  /** String sort key of the index, e.g. a timestamp to read newest first. @default none */
  readonly sortKey?: string;
  /**
   * Attributes besides the keys that the index copies: every one (`ALL`), none, or the ones named. Each copied
   * attribute is written twice on every change, so an index holds only what its queries read. @default ALL
   */
  readonly include?: "ALL" | readonly string[];
}

export interface EncryptedTableProps {
  readonly tableName: string;
  /** String partition key; the tables of this service have no sort keys. */
  readonly partitionKey: string;
  readonly kmsKeyArn: string;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  /** Epoch-seconds attribute DynamoDB expires items by. @default no TTL */
  readonly ttlAttribute?: string;
  /** Global secondary indexes on string attributes. @default none */
  readonly globalIndexes?: readonly TableIndex[];
  /** Turns the table's stream on, carrying these images of each change. @default no stream */
  readonly streamViewType?: "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES";
}

/** An on-demand DynamoDB table encrypted with the environment's key. */
export class EncryptedTable extends Construct {
  readonly table: DynamodbTable;
  /** The physical name, for alarms, dashboards and templates that must stay plain text. */
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: EncryptedTableProps) {
    super(scope, id);
    this.tableName = props.tableName;
    const indexes = props.globalIndexes ?? [];
    const keyAttributes = [
      ...new Set([
        props.partitionKey,
        ...indexes.flatMap((index) => [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])]),
      ]),
    ];
    this.table = new DynamodbTable(this, "table", {
      name: props.tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: props.partitionKey,
      attribute: keyAttributes.map((name) => ({ name, type: "S" })),
      globalSecondaryIndex: indexes.map((index) => ({
        name: index.name,
        hashKey: index.partitionKey,
        rangeKey: index.sortKey,
        ...projectionOf(index.include ?? "ALL"),
      })),
      ttl: props.ttlAttribute ? { attributeName: props.ttlAttribute, enabled: true } : undefined,
      pointInTimeRecovery: { enabled: props.pointInTimeRecovery },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: props.deletionProtection,
      ...(props.streamViewType ? { streamEnabled: true, streamViewType: props.streamViewType } : {}),
    });
  }

  /** ARN of one of the table's indexes, for IAM statements that query it. */
  indexArn(indexName: string): string {
    return `${this.table.arn}/index/${indexName}`;
  }
}

function projectionOf(include: "ALL" | readonly string[]) {
  if (include === "ALL") return { projectionType: "ALL" };
  if (include.length === 0) return { projectionType: "KEYS_ONLY" };
  return { projectionType: "INCLUDE", nonKeyAttributes: [...include] };
}
