/* `dockclip-cli esheet`: the JSON face of the importer. */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "dc-test-util.h"

static const char *cli;

static JsonObject *
run_json (const char *const *extra, int *status, JsonParser **parser_out)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  JsonParser *parser;

  g_ptr_array_add (args, (char *) cli);
  g_ptr_array_add (args, (char *) "esheet");
  for (guint i = 0; extra[i]; i++)
    g_ptr_array_add (args, (char *) extra[i]);
  g_ptr_array_add (args, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (*status, &error))
    {
      /* the exit code, portably */
      *status = error->domain == G_SPAWN_EXIT_ERROR ? error->code : -1;
      g_test_message ("stderr: %s", err);
      *parser_out = NULL;
      return NULL;
    }
  parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  *parser_out = parser;
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_cli_json (void)
{
  g_autofree char *path = dc_test_data_path ("esheet/gbk-title.csv");
  const char *by_order[] = { "--json", "--no-remember", path, NULL };
  const char *by_dock[] = { "--json", "--no-remember", "--by", "dock", path, NULL };
  g_autoptr(JsonParser) p1 = NULL;
  g_autoptr(JsonParser) p2 = NULL;
  JsonObject *o, *item, *reject;
  JsonArray *items;
  int status;

  o = run_json (by_order, &status, &p1);
  g_assert_nonnull (o);
  g_assert_cmpint (json_object_get_int_member (o, "rows"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (o, "waybills"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (o, "docks"), ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "rejected")), ==, 4);
  reject = json_array_get_object_element (json_object_get_array_member (o, "rejected"), 0);
  g_assert_cmpint (json_object_get_int_member (reject, "row"), ==, 7);
  g_assert_cmpstr (json_object_get_string_member (reject, "column"), ==, "运单号 (B)");
  items = json_object_get_array_member (o, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  item = json_array_get_object_element (items, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "waybill"), ==, "SF1234567890");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (item, "scans")), ==, 2);

  o = run_json (by_dock, &status, &p2);
  g_assert_nonnull (o);
  items = json_object_get_array_member (o, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  item = json_array_get_object_element (items, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "dock"), ==, "A01");
  g_assert_false (json_object_get_boolean_member (item, "mapped"));
}

static void
test_cli_errors (void)
{
  const char *missing[] = { "/nonexistent/sheet.csv", NULL };
  const char *bad_by[] = { "--by", "colour", "x.csv", NULL };
  g_autoptr(JsonParser) p = NULL;
  int status;

  g_assert_null (run_json (missing, &status, &p));
  g_assert_cmpint (status, ==, 1);
  g_assert_null (run_json (bad_by, &status, &p));
  g_assert_cmpint (status, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli = argc > 1 ? argv[1] : NULL;
  if (cli == NULL)
    cli = g_getenv ("DC_CLI");
  g_assert_nonnull (cli);
  g_test_add_func ("/esheet/cli/json", test_cli_json);
  g_test_add_func ("/esheet/cli/errors", test_cli_errors);
  return g_test_run ();
}
