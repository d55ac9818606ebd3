import { Link } from "react-router-dom";
import { PageTitle, PublicLayout } from "../ui/Layout";

export function NotFoundPage() {
  return (
    <PublicLayout>
      <PageTitle>Page not found</PageTitle>
      <Link to="/">Go to the dashboard</Link>
    </PublicLayout>
  );
}
