export default function PatientJoin() {
  return <p>join</p>;
}
